using System.Numerics;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>The loss and accuracy of a network over a whole data set.</summary>
/// <param name="Loss">The mean loss over every row, as one batch of them all would give it.</param>
/// <param name="Accuracy">The fraction of rows whose largest output is their label; NaN for targets.</param>
/// <param name="Count">The number of rows.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);

/// <summary>
/// Measures a trained network over data sets of any size, in chunks of the trainer's <c>MaxBatch</c>, with the
/// trainer's own forward pass and loss (parameters and gradients are untouched).
/// </summary>
public static class Evaluation
{
    /// <summary>Loss and accuracy over <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, FitData<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(data);
        return Measure(trainer, data, new int[Math.Min(trainer.MaxBatch, data.Count)]);
    }

    /// <summary>Loss and accuracy over rows with class labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n].</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Measure(trainer, features, labels, default, new int[Math.Min(trainer.MaxBatch, features.Height)]);
    }

    /// <summary>Loss over rows with a target matrix (accuracy is NaN).</summary>
    /// <remarks>features: [n, inputs]  targets: [n, outputs].</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan2D<T> targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Measure(trainer, features, default, targets, default);
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
            ? Measure(trainer, data.Features.Span, data.Labels.Span, default, predicted)
            : Measure(trainer, data.Features.Span, default, data.Targets.Span, default);

    // Each chunk's mean loss is weighted by its rows, so the result equals the mean over one batch of every row.
    // predicted: scratch of at least min(MaxBatch, n) entries when labels are given.
    private static EvaluationResult Measure<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels,
        ReadOnlySpan2D<T> targets, Span<int> predicted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool useLabels = trainer.Loss.UsesClassLabels;
        int n = features.Height, correct = 0;
        double lossSum = 0;
        for (int row = 0; row < n; row += trainer.MaxBatch)
        {
            int rows = Math.Min(trainer.MaxBatch, n - row);
            ReadOnlySpan2D<T> x = features.Slice(row, 0, rows, features.Width);
            if (useLabels)
            {
                ReadOnlySpan<int> y = labels.Slice(row, rows);
                lossSum += double.CreateTruncating(trainer.ComputeLoss(x, y)) * rows;
                correct += CountCorrect(trainer.LastOutputs, y, predicted);
            }
            else
            {
                lossSum += double.CreateTruncating(trainer.ComputeLoss(x, targets.Slice(row, 0, rows, targets.Width))) * rows;
            }
        }
        return new EvaluationResult(lossSum / n, useLabels ? (double)correct / n : double.NaN, n);
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
