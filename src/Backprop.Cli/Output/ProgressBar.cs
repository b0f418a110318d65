using System.Diagnostics;
using System.Text;

namespace Backprop.Cli.Output;

/// <summary>
/// A one-line progress bar redrawn in place with a carriage return, at most ten times a second so that drawing costs
/// nothing measurable. Only used when the output is a terminal.
/// </summary>
internal sealed class ProgressBar(TextWriter output, int width = 30)
{
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;
    private readonly StringBuilder _line = new();
    private long _lastDraw = long.MinValue;
    private int _lastLength;

    /// <summary>Draws <paramref name="done"/> of <paramref name="total"/> after <paramref name="label"/>, if due.</summary>
    public void Update(string label, long done, long total)
    {
        long now = Stopwatch.GetTimestamp();
        if (done < total && now - _lastDraw < RedrawTicks) return;
        _lastDraw = now;
        int filled = total <= 0 ? width : (int)(width * Math.Min(done, total) / total);
        _line.Clear().Append('\r').Append(label).Append(" [").Append('#', filled).Append('.', width - filled).Append("] ")
            .Append(done).Append('/').Append(total);
        int length = _line.Length;
        if (length < _lastLength) _line.Append(' ', _lastLength - length);
        _lastLength = length;
        output.Write(_line);
        output.Flush();
    }

    /// <summary>Erases the bar so that the next line starts clean.</summary>
    public void Clear()
    {
        if (_lastLength == 0) return;
        output.Write('\r');
        output.Write(new string(' ', _lastLength));
        output.Write('\r');
        output.Flush();
        _lastLength = 0;
        _lastDraw = long.MinValue;
    }
}
