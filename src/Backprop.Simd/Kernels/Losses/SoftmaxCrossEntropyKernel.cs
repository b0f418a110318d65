using System.Numerics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// PyTorch's <c>CrossEntropyLoss(weight, label_smoothing = ε)</c> with reduction 'mean', plus sample weights as
/// multiplicities. Per row b with label l, class weights w (all 1 when absent) and W = Σ_c w_c:
/// <c>ℓ_b = (1 − ε)·w_l·(lse_b − y_bl) + (ε/C)·Σ_c w_c·(lse_b − y_bc)</c>, <c>L = Σ_b s_b·ℓ_b / Σ_b s_b·w_(l_b)</c>,
/// <c>δ_bc = s_b/N·(Q_b·softmax_bc − q_bc)</c> with <c>q_bc = (1 − ε)·w_l·[c = l] + (ε/C)·w_c</c> and Q_b = Σ_c q_bc.
/// Each row is three short vector passes (max, Σe^(y − max), δ); the loss accumulates in double.
/// </summary>
internal static class SoftmaxCrossEntropyKernel
{
    /// <summary>Σ_b s_b·w_(l_b), PyTorch's denominator; also checks every label before anything is written.</summary>
    public static double Normalizer<T>(ReadOnlySpan<int> labels, int classes, ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> classWeights) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int row = 0; row < labels.Length; row++)
        {
            int label = labels[row];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label,
                    $"labels[{row}] is {label}, outside 0..{classes - 1} for {classes} classes.");
            double classWeight = classWeights.IsEmpty ? 1 : double.CreateTruncating(classWeights[label]);
            sum += sampleWeights.IsEmpty ? classWeight : double.CreateTruncating(sampleWeights[row]) * classWeight;
        }
        return sum;
    }

    public static T Run<T>(Strided<T> logits, ReadOnlySpan<int> labels, T labelSmoothing, ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> classWeights, Strided<T> gradient, int width, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = labels.Length;
        double normalizer = Normalizer(labels, width, sampleWeights, classWeights);
        if (rows == 0) return T.Zero;
        double epsilon = double.CreateTruncating(labelSmoothing), smoothingPerClass = epsilon / width;
        double classWeightSum = width;
        if (!classWeights.IsEmpty)
        {
            classWeightSum = 0;
            foreach (T w in classWeights) classWeightSum += double.CreateTruncating(w);
        }
        var weights = new Strided<T>(classWeights);
        var max = new RowMaxStep<T>(logits);
        var sumExp = new SumExpStep<T>(logits, weights, epsilon != 0);
        var delta = new SoftmaxGradientStep<T>(logits, weights, gradient);
        double total = 0;
        for (int row = 0; row < rows; row++)
        {
            int label = labels[row];
            max.Max = T.NegativeInfinity;
            ElementwiseDriver.RunRow<T, RowMaxStep<T>>(ref max, row, width, variant);
            sumExp.Max = max.Max;
            sumExp.SumExp = T.Zero;
            sumExp.Gap = 0;
            ElementwiseDriver.RunRow<T, SumExpStep<T>>(ref sumExp, row, width, variant);

            double logSumExp = Math.Log(double.CreateTruncating(sumExp.SumExp));
            double labelGap = double.CreateTruncating(max.Max) - double.CreateTruncating(logits[row, label]);
            double labelWeight = classWeights.IsEmpty ? 1 : double.CreateTruncating(classWeights[label]);
            double sampleWeight = sampleWeights.IsEmpty ? 1 : double.CreateTruncating(sampleWeights[row]);
            double rowLoss = (1 - epsilon) * labelWeight * (labelGap + logSumExp);
            if (epsilon != 0) rowLoss += smoothingPerClass * (sumExp.Gap + classWeightSum * logSumExp);
            total += sampleWeight * rowLoss;

            if (gradient.IsEmpty) continue;
            double scale = sampleWeight / normalizer;
            double targetMass = (1 - epsilon) * labelWeight + smoothingPerClass * classWeightSum;
            delta.Max = max.Max;
            delta.SoftmaxScale = T.CreateTruncating(scale * targetMass / double.CreateTruncating(sumExp.SumExp));
            delta.SmoothingScale = T.CreateTruncating(scale * smoothingPerClass);
            ElementwiseDriver.RunRow<T, SoftmaxGradientStep<T>>(ref delta, row, width, variant);
            gradient[row, label] -= T.CreateTruncating(scale * (1 - epsilon) * labelWeight);
        }
        return T.CreateTruncating(total / normalizer);
    }
}
