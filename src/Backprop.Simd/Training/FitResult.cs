namespace Backprop.Simd.Training;

/// <summary>Why a <see cref="FitLoop{T}"/> run ended.</summary>
public enum FitStopReason
{
    /// <summary>Every requested epoch was trained.</summary>
    Completed,
    /// <summary>The early-stopping metric ran out of patience.</summary>
    EarlyStopping,
    /// <summary>The callback returned <see cref="FitAction.Stop"/>.</summary>
    Callback,
    /// <summary>The cancellation token was cancelled; the run stopped after the step in progress.</summary>
    Cancelled,
}

/// <summary>The outcome of a <see cref="FitLoop{T}.Run(CancellationToken)"/>.</summary>
/// <param name="History">Every epoch's metrics so far, resumed runs included, oldest first.</param>
/// <param name="StopReason">Why the run ended.</param>
/// <param name="BestEpoch">The best epoch under early stopping (whose weights were restored when asked); 0 without early stopping.</param>
public sealed record FitResult(IReadOnlyList<EpochMetrics> History, FitStopReason StopReason, int BestEpoch);
