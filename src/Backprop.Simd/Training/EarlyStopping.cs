namespace Backprop.Simd.Training;

/// <summary>The per-epoch quantity early stopping watches.</summary>
public enum FitMetric
{
    /// <summary>The validation loss (lower is better); needs a validation set.</summary>
    ValidationLoss,
    /// <summary>The validation accuracy (higher is better); needs a labelled validation set.</summary>
    ValidationAccuracy,
    /// <summary>The mean training loss of the epoch (lower is better).</summary>
    TrainLoss,
    /// <summary>The training accuracy of the epoch (higher is better); needs labels.</summary>
    TrainAccuracy,
}

/// <summary>
/// Stops training when <see cref="Metric"/> has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs in a row (Keras's <c>EarlyStopping</c> rule), and at the end of every run — stopped
/// early or not — puts back the parameters of the best epoch. The best parameters are kept in one copy of the parameter
/// block allocated when the loop is built. Optimizer state is not rolled back, as in Keras.
/// </summary>
/// <param name="Metric">The watched metric; losses improve downwards, accuracies upwards.</param>
/// <param name="Patience">Epochs without improvement before stopping (at least 1).</param>
/// <param name="MinDelta">The smallest change that counts as an improvement (≥ 0).</param>
/// <param name="RestoreBestWeights">When true (the default) the best epoch's parameters are restored at the end.</param>
public sealed record EarlyStopping(FitMetric Metric = FitMetric.ValidationLoss, int Patience = 10, double MinDelta = 0,
    bool RestoreBestWeights = true)
{
    /// <summary>True when larger values of <see cref="Metric"/> are better.</summary>
    public bool HigherIsBetter => Metric is FitMetric.ValidationAccuracy or FitMetric.TrainAccuracy;

    internal bool IsImprovement(double value, double best) =>
        !double.IsNaN(value) && (double.IsNaN(best) || (HigherIsBetter ? value > best + MinDelta : value < best - MinDelta));
}
