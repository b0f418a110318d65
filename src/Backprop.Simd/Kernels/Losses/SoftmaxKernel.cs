using System.Numerics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// Row-wise softmax, <c>p_c = e^(y_c − m) · (1 / Σ_c e^(y_c − m))</c> with m the row's max (as torch.softmax's CPU kernel
/// computes it: the shift keeps every exponent ≤ 0, and the row is scaled by one reciprocal). The same three passes and
/// exponential as the cross-entropy kernel, so a prediction's probabilities are the ones training differentiated.
/// </summary>
internal static class SoftmaxKernel
{
    public static void Run<T>(Strided<T> logits, Strided<T> probabilities, int rows, int width, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = new RowMaxStep<T>(logits);
        var sumExp = new SumExpStep<T>(logits, default, withGap: false);
        var scaled = new SoftmaxGradientStep<T>(logits, default, probabilities) { SmoothingScale = T.Zero };
        for (int row = 0; row < rows; row++)
        {
            max.Max = T.NegativeInfinity;
            ElementwiseDriver.RunRow<T, RowMaxStep<T>>(ref max, row, width, variant);
            sumExp.Max = max.Max;
            sumExp.SumExp = T.Zero;
            ElementwiseDriver.RunRow<T, SumExpStep<T>>(ref sumExp, row, width, variant);
            scaled.Max = max.Max;
            scaled.SoftmaxScale = T.One / sumExp.SumExp;
            ElementwiseDriver.RunRow<T, SoftmaxGradientStep<T>>(ref scaled, row, width, variant);
        }
    }
}
