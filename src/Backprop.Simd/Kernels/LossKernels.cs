using System.Numerics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>The losses a network trains against, as PyTorch defines them (reduction 'mean').</summary>
public enum LossKind
{
    /// <summary><c>nn.MSELoss</c>: mean over all elements of (y − t)².</summary>
    MeanSquaredError,
    /// <summary><c>nn.CrossEntropyLoss</c> on logits with integer class labels, optional label smoothing.</summary>
    SoftmaxCrossEntropy,
    /// <summary><c>nn.BCEWithLogitsLoss</c>: mean over all elements.</summary>
    BinaryCrossEntropyWithLogits,
}

/// <summary>
/// Loss value and output error <c>δ = ∂L/∂Y</c> in one pass. An empty <c>gradient</c> computes the loss only.
/// </summary>
public static class LossKernels
{
    /// <summary>MSE: <c>L = Σ(y − t)² / (B·C)</c>, <c>δ = 2(y − t)/(B·C)</c>.</summary>
    /// <remarks>prediction, target, gradient: [B, C].</remarks>
    public static T MeanSquaredError<T>(ReadOnlySpan2D<T> prediction, ReadOnlySpan2D<T> target, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double count = (double)prediction.Height * prediction.Width, sum = 0;
        for (int i = 0; i < prediction.Height; i++)
        {
            for (int j = 0; j < prediction.Width; j++)
            {
                double d = double.CreateTruncating(prediction[i, j] - target[i, j]);
                sum += d * d;
                if (!gradient.IsEmpty) gradient[i, j] = T.CreateTruncating(2 * d / count);
            }
        }
        return count == 0 ? T.Zero : T.CreateTruncating(sum / count);
    }

    /// <summary>
    /// Softmax cross-entropy on logits: <c>L = mean_b(logsumexp(y_b) − Σ_c q_bc·y_bc)</c> with
    /// <c>q = (1 − ε)·onehot + ε/C</c>; <c>δ = (softmax(y) − q)/B</c>.
    /// </summary>
    /// <remarks>logits, gradient: [B, C]  labels: [B] in 0..C−1.</remarks>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, T labelSmoothing, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = logits.Height, c = logits.Width;
        double eps = double.CreateTruncating(labelSmoothing), total = 0;
        for (int i = 0; i < b; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++) max = Math.Max(max, double.CreateTruncating(logits[i, j]));
            double sumExp = 0;
            for (int j = 0; j < c; j++) sumExp += Math.Exp(double.CreateTruncating(logits[i, j]) - max);
            double logSumExp = max + Math.Log(sumExp);
            for (int j = 0; j < c; j++)
            {
                double y = double.CreateTruncating(logits[i, j]);
                double q = (j == labels[i] ? 1 - eps : 0) + eps / c;
                total += q * (logSumExp - y);
                if (!gradient.IsEmpty) gradient[i, j] = T.CreateTruncating((Math.Exp(y - logSumExp) - q) / b);
            }
        }
        return b == 0 ? T.Zero : T.CreateTruncating(total / b);
    }

    /// <summary>
    /// BCE with logits: <c>L = mean(max(y, 0) − y·t + log1p(e^{−|y|}))</c>, <c>δ = (σ(y) − t)/(B·C)</c>.
    /// </summary>
    /// <remarks>logits, target, gradient: [B, C].</remarks>
    public static T BinaryCrossEntropyWithLogits<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan2D<T> target, Span2D<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double count = (double)logits.Height * logits.Width, sum = 0;
        for (int i = 0; i < logits.Height; i++)
        {
            for (int j = 0; j < logits.Width; j++)
            {
                double y = double.CreateTruncating(logits[i, j]), t = double.CreateTruncating(target[i, j]);
                sum += Math.Max(y, 0) - y * t + Math.Log(1 + Math.Exp(-Math.Abs(y)));
                if (!gradient.IsEmpty) gradient[i, j] = T.CreateTruncating((1 / (1 + Math.Exp(-y)) - t) / count);
            }
        }
        return count == 0 ? T.Zero : T.CreateTruncating(sum / count);
    }
}
