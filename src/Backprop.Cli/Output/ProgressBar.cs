using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Backprop.Cli.Output;

/// <summary>
/// A one-line progress bar redrawn in place with a carriage return, at most ten times a second, cut to the terminal's
/// width so that it never wraps (a wrapped line cannot be redrawn with a carriage return). A frame is built in one
/// reused <see cref="StringBuilder"/> and written as chunks, so drawing from inside the training loop allocates nothing.
/// Only used when the output is a terminal.
/// </summary>
/// <remarks>
/// Spectre.Console's live progress was the alternative: it redraws from its own thread and takes over every line the
/// command prints while it runs. One line drawn by the fit loop's own struct callback keeps the training loop at 0 B per
/// epoch on a terminal too (CliProgressTests checks it).
/// </remarks>
internal sealed class ProgressBar(TextWriter output, int columns)
{
    private const int BarWidth = 16;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;
    private readonly StringBuilder _line = new(256);
    private readonly int _maxLength = Math.Max(columns - 1, 20);
    private long _lastDraw;
    private bool _shown;
    private int _lastLength;

    /// <summary>Whether a frame for <paramref name="done"/> of <paramref name="total"/> should be drawn now.</summary>
    public bool IsDue(long done, long total) =>
        !_shown || done >= total || Stopwatch.GetTimestamp() - _lastDraw >= RedrawTicks;

    /// <summary>
    /// Starts a frame with <paramref name="label"/>, the bar and the count; append details to the returned builder,
    /// then call <see cref="Draw"/>.
    /// </summary>
    public StringBuilder Begin(ReadOnlySpan<char> label, long done, long total)
    {
        int filled = total <= 0 ? BarWidth : (int)(BarWidth * Math.Clamp(done, 0, total) / total);
        return _line.Clear().Append('\r').Append(label).Append(" [").Append('#', filled).Append('.', BarWidth - filled)
            .Append("] ").Append(done).Append('/').Append(total);
    }

    /// <summary>Writes the frame <see cref="Begin"/> started, padded over the previous one.</summary>
    public void Draw()
    {
        if (_line.Length > _maxLength + 1) _line.Length = _maxLength + 1;
        int length = _line.Length;
        if (length < _lastLength) _line.Append(' ', _lastLength - length);
        _lastLength = length;
        output.Write(_line);
        output.Flush();
        _lastDraw = Stopwatch.GetTimestamp();
        _shown = true;
    }

    /// <summary>Erases the bar so that the next line starts clean.</summary>
    public void Clear()
    {
        if (_lastLength == 0) return;
        _line.Clear().Append('\r').Append(' ', _lastLength).Append('\r');
        output.Write(_line);
        output.Flush();
        _lastLength = 0;
        _shown = false;
    }

    /// <summary>
    /// Appends <paramref name="value"/> in <paramref name="format"/>, invariant. StringBuilder's interpolated appends
    /// with a format provider allocate 24 bytes per number (measured), which would show in every epoch's 0 B.
    /// </summary>
    public static StringBuilder AppendNumber(StringBuilder line, double value, string format)
    {
        Span<char> digits = stackalloc char[64];
        return value.TryFormat(digits, out int length, format, CultureInfo.InvariantCulture) ? line.Append(digits[..length]) : line.Append('?');
    }

    /// <summary>Appends a duration as m:ss, or h:mm:ss from an hour.</summary>
    public static StringBuilder AppendDuration(StringBuilder line, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return line.Append("?");
        long total = (long)Math.Round(Math.Min(seconds, 99 * 3600));
        long hours = total / 3600, minutes = total / 60 % 60, rest = total % 60;
        if (hours > 0) line.Append(hours).Append(':').Append(minutes < 10 ? "0" : "");
        line.Append(minutes);
        return line.Append(':').Append(rest < 10 ? "0" : "").Append(rest);
    }
}
