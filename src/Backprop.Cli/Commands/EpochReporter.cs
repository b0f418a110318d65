using System.Globalization;
using System.Text;
using Backprop.Cli.Output;
using Backprop.Simd.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// What <c>train</c> shows while the fit loop runs: a progress bar on a terminal, one summary line per epoch, the
/// gradient norms on request, a metrics line per epoch in the JSONL file, and the points of the learning-curve plot.
/// </summary>
internal sealed class EpochReporter(ToolConsole console, int epochs, int stepsPerEpoch, string heldOutName, bool quiet,
    bool reportGradients, MetricsFile? metrics)
{
    private readonly ProgressBar? _progress = console.Interactive && !quiet ? new ProgressBar(console.Output) : null;
    private readonly List<EpochPoint> _points = [];
    private readonly string _epochsText = epochs.ToString(CultureInfo.InvariantCulture);
    private string _label = "";
    private int _labelEpoch;
    // Divergence that stays finite (lr 1e6: a loss of 4e5 at chance accuracy) is flagged when an epoch's mean loss is
    // this many times its first step's loss or the previous epoch's: two orders of magnitude, which no healthy run shows.
    private const double DivergenceFactor = 100;
    private double _epochFirstLoss = double.NaN, _previousEpochLoss = double.NaN;

    public IReadOnlyList<EpochPoint> Points => _points;

    private void OnStep(in StepReport step)
    {
        if (step.StepInEpoch == 1) _epochFirstLoss = step.Loss;
        if (_progress is null) return;
        if (step.Epoch != _labelEpoch)
        {
            _labelEpoch = step.Epoch;
            _label = "epoch " + step.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(_epochsText.Length) + "/" + _epochsText;
        }
        _progress.Update(_label, step.StepInEpoch, stepsPerEpoch);
    }

    private void OnEpoch(EpochMetrics epoch)
    {
        _progress?.Clear();
        _points.Add(new EpochPoint(epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy, epoch.ValidationLoss, epoch.ValidationAccuracy));
        double baseline = Math.Min(_epochFirstLoss, double.IsNaN(_previousEpochLoss) ? double.PositiveInfinity : _previousEpochLoss);
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

    /// <summary>The struct the fit loop calls; a struct so the per-step call is direct and inlined.</summary>
    public readonly struct Callback(EpochReporter reporter) : IFitCallback
    {
        public FitAction OnStep(in StepReport step)
        {
            reporter.OnStep(step);
            return FitAction.Continue;
        }

        public FitAction OnEpoch(EpochMetrics metrics)
        {
            reporter.OnEpoch(metrics);
            return FitAction.Continue;
        }
    }
}
