using System.Numerics;
using Backprop.Simd.Kernels.Losses;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Loss value and output error <c>δ = ∂L/∂Y</c> in one pass. An empty <c>gradient</c> computes the loss only. Every
/// entry point runs the <see cref="SimdSupport.Active"/> variant and accumulates the loss in double. The gradient may be
/// the same memory as the prediction/logits (or the target) but must not partly overlap them. An empty batch has loss 0.
/// </summary>
/// <remarks>
/// Sample weights <c>s_b</c> (an empty span means all 1) act as multiplicities: a sample of weight 2 counts as if it
/// appeared twice, so the weighted loss is <c>Σ_b s_b·ℓ_b / Σ_b s_b</c> (for cross-entropy with class weights the
/// denominator is <c>Σ_b s_b·w[label_b]</c>, PyTorch's). Weights summing to zero give NaN, as PyTorch's mean does.
/// </remarks>
public static class LossKernels
{
    /// <summary>MSE: <c>L = Σ(y − t)² / (B·C)</c>, <c>δ = 2(y − t)/(B·C)</c>.</summary>
    /// <remarks>prediction, target, gradient: [B, C].</remarks>
    public static T MeanSquaredError<T>(ReadOnlySpan2D<T> prediction, ReadOnlySpan2D<T> target, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MeanSquaredError(prediction, target, ReadOnlySpan<T>.Empty, gradient, SimdSupport.Active);

    /// <summary>
    /// Sample-weighted MSE: <c>L = Σ_b s_b·mean_c (y_bc − t_bc)² / Σ_b s_b</c>, <c>δ_bc = 2·s_b·(y_bc − t_bc)/(C·Σs)</c>;
    /// all weights 1 give <see cref="MeanSquaredError{T}(ReadOnlySpan2D{T}, ReadOnlySpan2D{T}, Span2D{T})"/>.
    /// </summary>
    /// <remarks>prediction, target, gradient: [B, C]  sampleWeights: [B] or empty.</remarks>
    public static T MeanSquaredError<T>(ReadOnlySpan2D<T> prediction, ReadOnlySpan2D<T> target, ReadOnlySpan<T> sampleWeights,
        Span2D<T> gradient) where T : unmanaged, IFloatingPointIeee754<T> =>
        MeanSquaredError(prediction, target, sampleWeights, gradient, SimdSupport.Active);

    internal static T MeanSquaredError<T>(ReadOnlySpan2D<T> prediction, ReadOnlySpan2D<T> target, ReadOnlySpan<T> sampleWeights,
        Span2D<T> gradient, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckPointwise(prediction, nameof(prediction), target, sampleWeights, gradient);
        return PointwiseLossKernel.Run(new SquaredErrorOperator<T>(), new(prediction), new(target), sampleWeights,
            new(gradient), prediction.Height, prediction.Width, variant);
    }

    /// <summary>
    /// Softmax cross-entropy on logits: <c>L = mean_b(logsumexp(y_b) − Σ_c q_bc·y_bc)</c> with
    /// <c>q = (1 − ε)·onehot + ε/C</c>; <c>δ = (softmax(y) − q)/B</c>.
    /// </summary>
    /// <remarks>logits, gradient: [B, C]  labels: [B] in 0..C−1  labelSmoothing ε in [0, 1].</remarks>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, T labelSmoothing, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SoftmaxCrossEntropy(logits, labels, labelSmoothing, ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, gradient, SimdSupport.Active);

    /// <summary>
    /// Sample-weighted softmax cross-entropy: <c>L = Σ_b s_b·ℓ_b / Σ_b s_b</c> with ℓ_b the per-sample loss of
    /// <see cref="SoftmaxCrossEntropy{T}(ReadOnlySpan2D{T}, ReadOnlySpan{int}, T, Span2D{T})"/>;
    /// <c>δ_b = s_b·(softmax(y_b) − q_b)/Σs</c>.
    /// </summary>
    /// <remarks>logits, gradient: [B, C]  labels: [B] in 0..C−1  sampleWeights: [B] or empty.</remarks>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, T labelSmoothing,
        ReadOnlySpan<T> sampleWeights, Span2D<T> gradient) where T : unmanaged, IFloatingPointIeee754<T> =>
        SoftmaxCrossEntropy(logits, labels, labelSmoothing, sampleWeights, ReadOnlySpan<T>.Empty, gradient, SimdSupport.Active);

    /// <summary>
    /// Softmax cross-entropy with class weights exactly as PyTorch's <c>CrossEntropyLoss(weight=w, label_smoothing=ε)</c>
    /// (reduction 'mean'), and optional sample weights s:
    /// <c>ℓ_b = (1 − ε)·w_l·(lse_b − y_bl) + (ε/C)·Σ_c w_c·(lse_b − y_bc)</c> with l = labels[b],
    /// <c>L = Σ_b s_b·ℓ_b / Σ_b s_b·w_l</c>, and δ its exact gradient. Empty weight spans mean all 1.
    /// </summary>
    /// <remarks>logits, gradient: [B, C]  labels: [B] in 0..C−1  sampleWeights: [B] or empty  classWeights: [C] or empty.</remarks>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, T labelSmoothing,
        ReadOnlySpan<T> sampleWeights, ReadOnlySpan<T> classWeights, Span2D<T> gradient) where T : unmanaged, IFloatingPointIeee754<T> =>
        SoftmaxCrossEntropy(logits, labels, labelSmoothing, sampleWeights, classWeights, gradient, SimdSupport.Active);

    internal static T SoftmaxCrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, T labelSmoothing,
        ReadOnlySpan<T> sampleWeights, ReadOnlySpan<T> classWeights, Span2D<T> gradient, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Length(logits.Height, "the height of logits", labels.Length, nameof(labels));
        if (!(labelSmoothing >= T.Zero && labelSmoothing <= T.One))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must lie in [0, 1].");
        if (!sampleWeights.IsEmpty) Check.Length(logits.Height, "the height of logits", sampleWeights.Length, nameof(sampleWeights));
        if (!classWeights.IsEmpty) Check.Length(logits.Width, "the width of logits", classWeights.Length, nameof(classWeights));
        CheckGradient(logits, nameof(logits), gradient);
        return SoftmaxCrossEntropyKernel.Run(new(logits), labels, labelSmoothing, sampleWeights, classWeights, new(gradient),
            logits.Width, variant);
    }

    /// <summary>
    /// The row-wise softmax of logits, the class probabilities of a model trained with <see cref="SoftmaxCrossEntropy{T}(ReadOnlySpan2D{T}, ReadOnlySpan{int}, T, Span2D{T})"/>:
    /// <c>p_bc = e^(y_bc − m_b) / Σ_c e^(y_bc − m_b)</c>, m_b the row's max, as <c>torch.softmax(y, dim=1)</c>.
    /// </summary>
    /// <remarks>logits, probabilities: [B, C], the same memory or not overlapping.</remarks>
    public static void Softmax<T>(ReadOnlySpan2D<T> logits, Span2D<T> probabilities) where T : unmanaged, IFloatingPointIeee754<T> =>
        Softmax(logits, probabilities, SimdSupport.Active);

    internal static void Softmax<T>(ReadOnlySpan2D<T> logits, Span2D<T> probabilities, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.SameShape(logits, nameof(logits), probabilities, nameof(probabilities));
        Check.NoPartialOverlap(logits, nameof(logits), probabilities, nameof(probabilities));
        SoftmaxKernel.Run(new Strided<T>(logits), new Strided<T>(probabilities), logits.Height, logits.Width, variant);
    }

    /// <summary>
    /// BCE with logits: <c>L = mean(max(y, 0) − y·t + log1p(e^{−|y|}))</c>, <c>δ = (σ(y) − t)/(B·C)</c>.
    /// </summary>
    /// <remarks>logits, target, gradient: [B, C].</remarks>
    public static T BinaryCrossEntropyWithLogits<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan2D<T> target, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BinaryCrossEntropyWithLogits(logits, target, ReadOnlySpan<T>.Empty, gradient, SimdSupport.Active);

    /// <summary>
    /// Sample-weighted BCE with logits: <c>L = Σ_b s_b·mean_c ℓ_bc / Σ_b s_b</c>, <c>δ_bc = s_b·(σ(y_bc) − t_bc)/(C·Σs)</c>.
    /// </summary>
    /// <remarks>logits, target, gradient: [B, C]  sampleWeights: [B] or empty.</remarks>
    public static T BinaryCrossEntropyWithLogits<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan2D<T> target, ReadOnlySpan<T> sampleWeights,
        Span2D<T> gradient) where T : unmanaged, IFloatingPointIeee754<T> =>
        BinaryCrossEntropyWithLogits(logits, target, sampleWeights, gradient, SimdSupport.Active);

    internal static T BinaryCrossEntropyWithLogits<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan2D<T> target, ReadOnlySpan<T> sampleWeights,
        Span2D<T> gradient, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckPointwise(logits, nameof(logits), target, sampleWeights, gradient);
        return PointwiseLossKernel.Run(new BinaryCrossEntropyWithLogitsOperator<T>(), new(logits), new(target), sampleWeights,
            new(gradient), logits.Height, logits.Width, variant);
    }

    private static void CheckPointwise<T>(ReadOnlySpan2D<T> y, string yName, ReadOnlySpan2D<T> target, ReadOnlySpan<T> sampleWeights,
        Span2D<T> gradient)
    {
        Check.SameShape(y, yName, target, nameof(target));
        if (!sampleWeights.IsEmpty) Check.Length(y.Height, "the batch size", sampleWeights.Length, nameof(sampleWeights));
        CheckGradient(y, yName, gradient);
        if (!gradient.IsEmpty) Check.NoPartialOverlap(target, nameof(target), gradient, nameof(gradient));
    }

    private static void CheckGradient<T>(ReadOnlySpan2D<T> y, string yName, Span2D<T> gradient)
    {
        if (gradient.IsEmpty) return;
        Check.SameShape(y, yName, gradient, nameof(gradient));
        Check.NoPartialOverlap(y, yName, gradient, nameof(gradient));
    }
}
