using Backprop.Simd.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// What <c>train</c> does between the fit loop's steps and epochs: report them, and save the checkpoint every
/// <paramref name="checkpointEvery"/> epochs when asked. A struct, so the loop's per-step call is direct and inlined.
/// </summary>
internal readonly struct TrainingCallback(EpochReporter reporter, TrainingCheckpoint? checkpoint, int checkpointEvery) : IFitCallback
{
    public FitAction OnStep(in StepReport step)
    {
        reporter.OnStep(step);
        return FitAction.Continue;
    }

    public FitAction OnEpoch(EpochMetrics metrics)
    {
        reporter.OnEpoch(metrics);
        if (checkpoint is not null && checkpointEvery > 0 && metrics.Epoch % checkpointEvery == 0) checkpoint.Save();
        return FitAction.Continue;
    }
}
