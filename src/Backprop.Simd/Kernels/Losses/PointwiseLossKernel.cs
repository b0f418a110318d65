using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// Row b's share of a pointwise loss: adds Σ_c ℓ(y, t) into a double and writes <c>δ = scale·∂ℓ/∂y</c>. A partial
/// last vector contributes only its real lanes. δ is stored after y and t are read, so it may alias either.
/// </summary>
internal ref struct PointwiseLossStep<T, TOp>(TOp op, Strided<T> y, Strided<T> t, Strided<T> gradient) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IPointwiseLoss<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> y = y, t = t, gradient = gradient;
    public double RowSum;
    public T Scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector yv = TOps.LoadFirst(in y[row, i], lanes), tv = TOps.LoadFirst(in t[row, i], lanes);
        RowSum += double.CreateTruncating(TOps.Sum(TOps.KeepFirst(op.Loss<TOps, TVector>(yv, tv), lanes, T.Zero)));
        if (!gradient.IsEmpty) TOps.StoreFirst(TOps.Multiply(TOps.Broadcast(Scale), op.Gradient<TOps, TVector>(yv, tv)), ref gradient[row, i], lanes);
    }
}

/// <summary>
/// <c>L = Σ_b w_b·mean_c ℓ(y_bc, t_bc) / Σ_b w_b</c> (w_b = 1 without sample weights, which is PyTorch's plain mean over
/// all elements) and <c>δ_bc = w_b/(C·Σw)·∂ℓ/∂y</c>, in one pass over the rows; the loss accumulates in double.
/// </summary>
internal static class PointwiseLossKernel
{
    public static T Run<T, TOp>(TOp op, Strided<T> y, Strided<T> t, ReadOnlySpan<T> sampleWeights, Strided<T> gradient,
        int rows, int width, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IPointwiseLoss<T>
    {
        if (rows == 0 || width == 0) return T.Zero;
        double weightSum = rows;
        if (!sampleWeights.IsEmpty)
        {
            weightSum = 0;
            foreach (T w in sampleWeights) weightSum += double.CreateTruncating(w);
        }
        var step = new PointwiseLossStep<T, TOp>(op, y, t, gradient);
        double total = 0, perElement = 1 / (weightSum * width);
        for (int row = 0; row < rows; row++)
        {
            double weight = sampleWeights.IsEmpty ? 1 : double.CreateTruncating(sampleWeights[row]);
            step.RowSum = 0;
            step.Scale = T.CreateTruncating(weight * perElement);
            ElementwiseDriver.RunRow<T, PointwiseLossStep<T, TOp>>(ref step, row, width, variant);
            total += weight * step.RowSum;
        }
        return T.CreateTruncating(total * perElement);
    }
}
