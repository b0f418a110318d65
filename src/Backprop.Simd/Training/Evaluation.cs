using System.Numerics;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>The loss and accuracy of a network over a whole data set.</summary>
/// <param name="Loss">The (weighted) mean loss over every row, as one batch of them all would give it.</param>
/// <param name="Accuracy">The fraction of rows whose largest output is their label (unweighted); NaN for targets.</param>
/// <param name="Count">The number of rows.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);

/// <summary>
/// Measures a trained network over data sets of any size, in chunks of the trainer's <c>MaxBatch</c>, with the
/// trainer's own forward pass and loss, class weights included (parameters and gradients are untouched).
/// </summary>
public static class Evaluation
{
    /// <summary>Loss and accuracy over <paramref name="data"/>, with its sample weights.</summary>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, FitData<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(data);
        return Measure(trainer, data, new int[Math.Min(trainer.MaxBatch, data.Count)]);
    }

    /// <summary>Loss and accuracy over rows with class labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n]  sampleWeights: [n] or empty.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels,
        ReadOnlySpan<T> sampleWeights = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Measure(trainer, features, labels, default, sampleWeights, new int[Math.Min(trainer.MaxBatch, features.Height)]);
    }

    /// <summary>Loss over rows with a target matrix (accuracy is NaN).</summary>
    /// <remarks>features: [n, inputs]  targets: [n, outputs]  sampleWeights: [n] or empty.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Measure(trainer, features, default, targets, sampleWeights, default);
    }

    /// <summary>The confusion matrix of the predicted classes (largest output) against the labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n] in 0..outputs−1.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public static ConfusionMatrix ConfusionMatrix<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        if (labels.Length != features.Height)
            throw new ArgumentException("labels has " + labels.Length + " entries but features has " + features.Height + " rows.", nameof(labels));
        var predicted = new int[features.Height];
        trainer.PredictClasses(features, predicted);
        var matrix = new ConfusionMatrix(trainer.Network.OutputSize);
        for (int i = 0; i < predicted.Length; i++) matrix.Add(labels[i], predicted[i]);
        return matrix;
    }

    internal static EvaluationResult Measure<T>(Trainer<T> trainer, FitData<T> data, Span<int> predicted)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        data.HasLabels
            ? Measure(trainer, data.Features.Span, data.Labels.Span, default, data.SampleWeights.Span, predicted)
            : Measure(trainer, data.Features.Span, default, data.Targets.Span, data.SampleWeights.Span, default);

    // Each chunk's mean loss is weighted by the chunk's share of the loss's denominator (its rows when unweighted), so
    // the result equals the mean over one batch of every row. predicted: scratch of ≥ min(MaxBatch, n) entries.
    private static EvaluationResult Measure<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels,
        ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights, Span<int> predicted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool useLabels = trainer.Loss.UsesClassLabels;
        int n = features.Height, correct = 0;
        double lossSum = 0, weightSum = 0;
        for (int row = 0; row < n; row += trainer.MaxBatch)
        {
            int rows = Math.Min(trainer.MaxBatch, n - row);
            ReadOnlySpan2D<T> x = features.Slice(row, 0, rows, features.Width);
            ReadOnlySpan<T> s = sampleWeights.IsEmpty ? default : sampleWeights.Slice(row, rows);
            ReadOnlySpan<int> y = useLabels ? labels.Slice(row, rows) : default;
            double weight = LossDenominator(rows, y, s, trainer.ClassWeights);
            T loss = useLabels ? trainer.ComputeLoss(x, y, s) : trainer.ComputeLoss(x, targets.Slice(row, 0, rows, targets.Width), s);
            if (weight != 0) lossSum += double.CreateTruncating(loss) * weight;
            weightSum += weight;
            if (useLabels) correct += CountCorrect(trainer.LastOutputs, y, predicted);
        }
        return new EvaluationResult(lossSum / weightSum, useLabels ? (double)correct / n : double.NaN, n);
    }

    // What the loss's weighted mean divides by, in rows' units: Σ_b s_b·w[label_b] (PyTorch's "sum of the weights of
    // the targets"), Σ_b s_b without class weights, the row count without either.
    internal static double LossDenominator<T>(int rows, ReadOnlySpan<int> labels, ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> classWeights) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sampleWeights.IsEmpty && classWeights.IsEmpty) return rows;
        double sum = 0;
        for (int b = 0; b < rows; b++)
        {
            double s = sampleWeights.IsEmpty ? 1 : double.CreateTruncating(sampleWeights[b]);
            double w = classWeights.IsEmpty ? 1 : double.CreateTruncating(classWeights[labels[b]]);
            sum += s * w;
        }
        return sum;
    }

    // outputs: [b, C]  labels: [b]  predicted: scratch of ≥ b entries.
    internal static int CountCorrect<T>(ReadOnlySpan2D<T> outputs, ReadOnlySpan<int> labels, Span<int> predicted)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<int> classes = predicted[..labels.Length];
        Reductions.ArgMaxRows(outputs, classes);
        int correct = 0;
        for (int i = 0; i < classes.Length; i++) correct += classes[i] == labels[i] ? 1 : 0;
        return correct;
    }
}
