using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>
/// The loss a network trains against, with PyTorch's <c>reduction='mean'</c>: MSE and BCE average over every element
/// of the batch, cross-entropy over the rows. The network's last layer produces the loss's input directly (logits for
/// the two cross-entropies, so give that layer the identity activation).
/// </summary>
/// <param name="Kind">Which loss.</param>
/// <param name="LabelSmoothing">Cross-entropy's <c>label_smoothing</c> in [0, 1]; ignored by the other losses.</param>
public readonly record struct Loss(LossKind Kind, double LabelSmoothing = 0)
{
    /// <summary><c>nn.MSELoss()</c>: trains against a target matrix.</summary>
    public static Loss MeanSquaredError => new(LossKind.MeanSquaredError);

    /// <summary><c>nn.BCEWithLogitsLoss()</c>: trains against a target matrix of probabilities.</summary>
    public static Loss BinaryCrossEntropyWithLogits => new(LossKind.BinaryCrossEntropyWithLogits);

    /// <summary><c>nn.CrossEntropyLoss(label_smoothing=…)</c>: trains against integer class labels.</summary>
    public static Loss CrossEntropy(double labelSmoothing = 0) => new(LossKind.SoftmaxCrossEntropy, labelSmoothing);

    /// <summary>True when the loss takes class labels (<c>ReadOnlySpan&lt;int&gt;</c>) rather than a target matrix.</summary>
    public bool UsesClassLabels => Kind == LossKind.SoftmaxCrossEntropy;

    // outputs: [b, C]  labels: [b] or targets: [b, C] (whichever the loss takes)  sampleWeights: [b] or empty
    // classWeights: [C] or empty (cross-entropy only)  gradient: [b, C] or empty.
    internal T Evaluate<T>(ReadOnlySpan2D<T> outputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights, ReadOnlySpan<T> classWeights, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T> => Kind switch
    {
        LossKind.MeanSquaredError => LossKernels.MeanSquaredError(outputs, targets, sampleWeights, gradient),
        LossKind.SoftmaxCrossEntropy => LossKernels.SoftmaxCrossEntropy(outputs, labels, T.CreateTruncating(LabelSmoothing),
            sampleWeights, classWeights, gradient),
        LossKind.BinaryCrossEntropyWithLogits => LossKernels.BinaryCrossEntropyWithLogits(outputs, targets, sampleWeights, gradient),
        _ => throw new InvalidOperationException("Unknown loss " + Kind + "."),
    };
}
