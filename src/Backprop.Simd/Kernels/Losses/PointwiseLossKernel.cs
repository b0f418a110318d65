using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// Row b's share of a pointwise loss: adds Σ_c ℓ(y, t) into a double and writes <c>δ = scale·∂ℓ/∂y</c>. A partial
/// last vector contributes only its real lanes. δ is stored after y and t are read, so it may alias either.
/// </summary>
internal ref struct PointwiseLossStep<T, TOp>(TOp op, Strided<T> y, Strided<T> t, Strided<T> gradient) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IPointwiseLoss<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> y = y, t = t, gradient = gradient;
    public double RowSum;
    public T Scale;

    public void Invoke(nint row, nint i)
    {
        T yi = y[row, i], ti = t[row, i];
        RowSum += double.CreateTruncating(op.Loss(yi, ti));
        if (!gradient.IsEmpty) gradient[row, i] = Scale * op.Gradient(yi, ti);
    }

    public void Invoke128(nint row, nint i, int lanes)
    {
        Vector128<T> yv = Lanes.Load128(ref y[row, i], lanes), tv = Lanes.Load128(ref t[row, i], lanes);
        RowSum += Horizontal.SumToDouble(Lanes.KeepFirst128(op.Loss(yv, tv), lanes, T.Zero));
        if (!gradient.IsEmpty) Lanes.Store128(Vector128.Create(Scale) * op.Gradient(yv, tv), ref gradient[row, i], lanes);
    }

    public void Invoke256(nint row, nint i, int lanes)
    {
        Vector256<T> yv = Lanes.Load256(ref y[row, i], lanes), tv = Lanes.Load256(ref t[row, i], lanes);
        RowSum += Horizontal.SumToDouble(Lanes.KeepFirst256(op.Loss(yv, tv), lanes, T.Zero));
        if (!gradient.IsEmpty) Lanes.Store256(Vector256.Create(Scale) * op.Gradient(yv, tv), ref gradient[row, i], lanes);
    }

    public void Invoke512(nint row, nint i, int lanes)
    {
        Vector512<T> yv = Lanes.Load512(ref y[row, i], lanes), tv = Lanes.Load512(ref t[row, i], lanes);
        RowSum += Horizontal.SumToDouble(Lanes.KeepFirst512(op.Loss(yv, tv), lanes, T.Zero));
        if (!gradient.IsEmpty) Lanes.Store512(Vector512.Create(Scale) * op.Gradient(yv, tv), ref gradient[row, i], lanes);
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
