using System.Diagnostics;
using System.Globalization;
using System.Text;
using Backprop.Cli.Output;
using Backprop.Simd.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// What <c>train</c> shows while the fit loop runs: a progress bar on a terminal, one summary line per epoch, the
/// gradient norms on request, a metrics line per epoch in the JSONL file, and the points of the learning-curve plot.
/// </summary>
internal sealed class EpochReporter(ToolConsole console, int epochs, int stepsPerEpoch, long stepsToRun, string heldOutName,
    bool quiet, bool reportGradients, MetricsFile? metrics)
{
    private readonly ProgressBar? _progress = console.Interactive && !quiet ? new ProgressBar(console.Output, console.Columns) : null;
    private readonly List<EpochPoint> _points = [];
    private readonly string _epochsText = epochs.ToString(CultureInfo.InvariantCulture);
    // "epoch 12/100", written in place when the epoch changes: a new string per epoch would allocate inside the loop.
    private readonly char[] _label = new char[64];
    private int _labelLength;
    private int _currentEpoch;
    // Divergence that stays finite (lr 1e6: a loss of 4e5 at chance accuracy) is flagged when an epoch's mean loss is
    // this many times the previous epoch's (the first epoch's: its first step's): two orders of magnitude, which no
    // healthy run shows.
    private const double DivergenceFactor = 100;
    private double _epochFirstLoss = double.NaN, _previousEpochLoss = double.NaN;
    // The bar's running figures: the epoch's mean batch loss and sample rate, and the run's step rate for the ETA.
    private double _epochLossSum;
    private long _epochSteps, _epochSamples, _epochStart, _runStart, _runSteps;

    public IReadOnlyList<EpochPoint> Points => _points;

    public void OnStep(in StepReport step)
    {
        long now = Stopwatch.GetTimestamp();
        if (step.Epoch != _currentEpoch)
        {
            _currentEpoch = step.Epoch;
            _epochFirstLoss = step.Loss;
            (_epochLossSum, _epochSteps, _epochSamples, _epochStart) = (0, 0, 0, now);
            if (_runSteps == 0) _runStart = now;
            if (_progress is not null) _labelLength = WriteLabel(_label, step.Epoch, _epochsText);
        }
        _epochLossSum += step.Loss;
        _epochSteps++;
        _epochSamples += step.Rows;
        _runSteps++;
        if (_progress is null || !_progress.IsDue(step.StepInEpoch, stepsPerEpoch)) return;

        double epochSeconds = Stopwatch.GetElapsedTime(_epochStart, now).TotalSeconds;
        double runSeconds = Stopwatch.GetElapsedTime(_runStart, now).TotalSeconds;
        StringBuilder line = _progress.Begin(_label.AsSpan(0, _labelLength), step.StepInEpoch, stepsPerEpoch).Append("  loss ");
        ProgressBar.AppendNumber(line, _epochLossSum / _epochSteps, "F4");
        if (epochSeconds > 0) ProgressBar.AppendNumber(line.Append("  "), _epochSamples / epochSeconds, "N0").Append(" samples/s");
        // The first fraction of a second times start-up more than training: no estimate until the rate settles.
        double remaining = runSeconds < 0.2 ? double.NaN : runSeconds / _runSteps * (stepsToRun - _runSteps);
        ProgressBar.AppendDuration(line.Append("  ETA "), remaining);
        _progress.Draw();
    }

    // "epoch  7/30": the number right-aligned to the width of the total, as the summary lines print it.
    private static int WriteLabel(Span<char> label, int epoch, string total)
    {
        Span<char> number = stackalloc char[11];
        epoch.TryFormat(number, out int digits, provider: CultureInfo.InvariantCulture);
        int length = 0;
        "epoch ".CopyTo(label);
        length += 6;
        for (int pad = digits; pad < total.Length; pad++) label[length++] = ' ';
        number[..digits].CopyTo(label[length..]);
        length += digits;
        label[length++] = '/';
        total.CopyTo(label[length..]);
        return length + total.Length;
    }

    /// <summary>Erases the progress bar, for a line printed while an epoch is unfinished.</summary>
    public void ClearProgress() => _progress?.Clear();

    public void OnEpoch(EpochMetrics epoch)
    {
        _progress?.Clear();
        _points.Add(new EpochPoint(epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy, epoch.ValidationLoss, epoch.ValidationAccuracy));
        // One step's loss is one batch's: at batch 1 it can be 1e-7 by chance, so only the run's first epoch is judged by
        // it; a resumed run's first epoch has no baseline and is not judged.
        double baseline = !double.IsNaN(_previousEpochLoss) ? _previousEpochLoss
            : epoch.Epoch == 1 ? _epochFirstLoss : double.NaN;
        bool diverging = epoch.TrainLoss > DivergenceFactor * baseline;
        _previousEpochLoss = epoch.TrainLoss;
        metrics?.Write(epoch, heldOutName, diverging);
        if (diverging)
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backprop: warning: epoch {epoch.Epoch}: the training loss grew from {baseline:G4} to {epoch.TrainLoss:G4}; the run is diverging (the learning rate may be too high)."));
        if (quiet) return;
        console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(_epochsText.Length)}/{_epochsText}  "
            + $"train loss {epoch.TrainLoss:F4} acc {epoch.TrainAccuracy:F4}  "
            + $"{heldOutName} loss {epoch.ValidationLoss:F4} acc {epoch.ValidationAccuracy:F4}  "
            + $"{epoch.EpochSeconds:F2} s  {epoch.SamplesPerSecond:N0} samples/s"));
        if (reportGradients) console.Output.WriteLine(GradientLine(epoch));
    }

    private static string GradientLine(EpochMetrics epoch)
    {
        var line = new StringBuilder("  gradient norms per layer (input side first): ‖∂W‖");
        foreach (double norm in epoch.WeightGradientNorms) line.Append(' ').Append(norm.ToString("0.###e+0", CultureInfo.InvariantCulture));
        line.Append("  ‖δ‖");
        foreach (double norm in epoch.ErrorNorms) line.Append(' ').Append(norm.ToString("0.###e+0", CultureInfo.InvariantCulture));
        return line.ToString();
    }
}
