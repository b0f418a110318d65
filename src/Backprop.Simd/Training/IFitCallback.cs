namespace Backprop.Simd.Training;

/// <summary>What a <see cref="IFitCallback"/> tells the loop to do next.</summary>
public enum FitAction
{
    /// <summary>Go on training.</summary>
    Continue,
    /// <summary>Stop: after a step, the epoch ends there (its metrics cover the steps taken); after an epoch, the run ends.</summary>
    Stop,
}

/// <summary>One training step as the loop reports it to <see cref="IFitCallback.OnStep"/>.</summary>
/// <param name="Epoch">The epoch being trained, from 1.</param>
/// <param name="StepInEpoch">The step within the epoch, from 1.</param>
/// <param name="Rows">The rows of the mini-batch.</param>
/// <param name="Loss">The mini-batch's mean loss.</param>
/// <param name="OptimizerStep">The trainer's step count after this step.</param>
public readonly record struct StepReport(int Epoch, int StepInEpoch, int Rows, double Loss, long OptimizerStep);

/// <summary>
/// Receives a <see cref="FitLoop{T}"/>'s reports. The loop takes the callback as a generic argument
/// (<c>Run&lt;TCallback&gt;(ref TCallback)</c>), so a struct callback is called directly and inlined by the JIT: an
/// empty <see cref="OnStep"/> costs nothing. <see cref="OnStep"/> runs inside the timed training loop and must not
/// allocate if the loop is to stay allocation-free.
/// </summary>
public interface IFitCallback
{
    /// <summary>Called after every optimizer step.</summary>
    FitAction OnStep(in StepReport step);

    /// <summary>Called after every epoch, once its metrics (validation included) are in the history.</summary>
    FitAction OnEpoch(EpochMetrics metrics);
}

/// <summary>The callback that never stops training.</summary>
public readonly struct NoCallback : IFitCallback
{
    /// <inheritdoc/>
    public FitAction OnStep(in StepReport step) => FitAction.Continue;

    /// <inheritdoc/>
    public FitAction OnEpoch(EpochMetrics metrics) => FitAction.Continue;
}
