namespace Backprop.Simd.Training;

/// <summary>What one epoch of a <see cref="FitLoop{T}"/> measured. Quantities that do not apply are NaN.</summary>
public sealed class EpochMetrics
{
    /// <summary>The epoch, from 1 (counting epochs trained before a resume).</summary>
    public int Epoch { get; init; }

    /// <summary>Optimizer steps taken in the epoch.</summary>
    public int Steps { get; init; }

    /// <summary>
    /// Of <see cref="Steps"/>, those abandoned under <see cref="NonFinitePolicy.SkipStep"/> (a NaN or infinite loss or
    /// gradient): an epoch that skipped most of its steps learned little, and says so here.
    /// </summary>
    public int SkippedSteps { get; init; }

    /// <summary>Training rows visited in the epoch.</summary>
    public int Samples { get; init; }

    /// <summary>
    /// The mean of the steps' mini-batch losses (each before its update), each weighted by its rows — by its total
    /// weight Σ s_b·w[label_b] when sample or class weights are in use — so that it is the epoch's mean loss per row.
    /// </summary>
    public double TrainLoss { get; init; }

    /// <summary>The fraction of training rows whose largest output was their label, from each step's own forward pass; NaN for targets.</summary>
    public double TrainAccuracy { get; init; }

    /// <summary>The mean loss over the validation set after the epoch; NaN without one.</summary>
    public double ValidationLoss { get; init; }

    /// <summary>The accuracy over the validation set after the epoch; NaN without one or for targets.</summary>
    public double ValidationAccuracy { get; init; }

    /// <summary>Wall time of the training loop alone: shuffling, gathering, forward, backward and updates; not evaluation.</summary>
    public double EpochSeconds { get; init; }

    /// <summary><see cref="Samples"/> / <see cref="EpochSeconds"/>.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>The learning rate the next step will use.</summary>
    public double LearningRate { get; init; }

    /// <summary>Bytes this thread allocated during the training loop (0 in steady state).</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Generation-0 collections during the training loop (process-wide).</summary>
    public int Gen0Collections { get; init; }

    /// <summary>Per layer, input side first: the mean over the epoch's steps of ‖δ_l‖; empty unless norms are tracked.</summary>
    public IReadOnlyList<double> ErrorNorms { get; init; } = [];

    /// <summary>Per layer, input side first: the mean over the epoch's steps of ‖∂L/∂W_l‖; empty unless norms are tracked.</summary>
    public IReadOnlyList<double> WeightGradientNorms { get; init; } = [];

    /// <summary>The value of <paramref name="metric"/> in this epoch.</summary>
    public double Get(FitMetric metric) => metric switch
    {
        FitMetric.ValidationLoss => ValidationLoss,
        FitMetric.ValidationAccuracy => ValidationAccuracy,
        FitMetric.TrainLoss => TrainLoss,
        FitMetric.TrainAccuracy => TrainAccuracy,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };
}
