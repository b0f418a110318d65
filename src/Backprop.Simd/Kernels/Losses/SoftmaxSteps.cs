using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// Over one row, given its max m: s = Σ_c e^(y_c − m), and with label smoothing the gap Σ_c w_c·(m − y_c) (w_c = 1
/// without class weights). Shifting by m keeps every exponent ≤ 0, so s ∈ [1, C] never overflows; the gap is a sum of
/// non-negative terms, so the smoothing part of the loss has no cancellation even for logits of ±200.
/// </summary>
internal ref struct SumExpStep<T>(Strided<T> y, Strided<T> classWeights, bool withGap) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> y = y, classWeights = classWeights;
    private readonly bool withGap = withGap;
    public T Max;
    public T SumExp;
    public double Gap;

    public void Invoke(nint row, nint i)
    {
        T shifted = y[row, i] - Max;
        SumExp += T.Exp(shifted);
        if (withGap) Gap -= double.CreateTruncating(classWeights.IsEmpty ? shifted : classWeights[0, i] * shifted);
    }

    public void Invoke128(nint row, nint i, int lanes)
    {
        Vector128<T> shifted = Lanes.Load128(ref y[row, i], lanes) - Vector128.Create(Max);
        SumExp += Vector128.Sum(Lanes.KeepFirst128(VectorMath.Exp(shifted), lanes, T.Zero));
        if (!withGap) return;
        if (!classWeights.IsEmpty) shifted *= Lanes.Load128(ref classWeights[0, i], lanes);
        Gap -= Horizontal.SumToDouble(Lanes.KeepFirst128(shifted, lanes, T.Zero));
    }

    public void Invoke256(nint row, nint i, int lanes)
    {
        Vector256<T> shifted = Lanes.Load256(ref y[row, i], lanes) - Vector256.Create(Max);
        SumExp += Vector256.Sum(Lanes.KeepFirst256(VectorMath.Exp(shifted), lanes, T.Zero));
        if (!withGap) return;
        if (!classWeights.IsEmpty) shifted *= Lanes.Load256(ref classWeights[0, i], lanes);
        Gap -= Horizontal.SumToDouble(Lanes.KeepFirst256(shifted, lanes, T.Zero));
    }

    public void Invoke512(nint row, nint i, int lanes)
    {
        Vector512<T> shifted = Lanes.Load512(ref y[row, i], lanes) - Vector512.Create(Max);
        SumExp += Vector512.Sum(Lanes.KeepFirst512(VectorMath.Exp(shifted), lanes, T.Zero));
        if (!withGap) return;
        if (!classWeights.IsEmpty) shifted *= Lanes.Load512(ref classWeights[0, i], lanes);
        Gap -= Horizontal.SumToDouble(Lanes.KeepFirst512(shifted, lanes, T.Zero));
    }
}

/// <summary>
/// δ_c = a·e^(y_c − m) − b·w_c over one row, a = scale·Q/s, b = scale·ε/C: the softmax times the row's total target
/// mass Q minus the smoothing part of the target. The label's own (1 − ε)·w term is subtracted afterwards by the
/// kernel, so this pass has no per-element branch. δ is stored after y is read, so it may alias the logits.
/// </summary>
internal ref struct SoftmaxGradientStep<T>(Strided<T> y, Strided<T> classWeights, Strided<T> gradient) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> y = y, classWeights = classWeights, gradient = gradient;
    public T Max;
    public T SoftmaxScale;
    public T SmoothingScale;

    public void Invoke(nint row, nint i)
    {
        T smoothing = classWeights.IsEmpty ? SmoothingScale : SmoothingScale * classWeights[0, i];
        gradient[row, i] = SoftmaxScale * T.Exp(y[row, i] - Max) - smoothing;
    }

    public void Invoke128(nint row, nint i, int lanes)
    {
        Vector128<T> smoothing = Vector128.Create(SmoothingScale);
        if (!classWeights.IsEmpty) smoothing *= Lanes.Load128(ref classWeights[0, i], lanes);
        Vector128<T> exp = VectorMath.Exp(Lanes.Load128(ref y[row, i], lanes) - Vector128.Create(Max));
        Lanes.Store128(Vector128.Create(SoftmaxScale) * exp - smoothing, ref gradient[row, i], lanes);
    }

    public void Invoke256(nint row, nint i, int lanes)
    {
        Vector256<T> smoothing = Vector256.Create(SmoothingScale);
        if (!classWeights.IsEmpty) smoothing *= Lanes.Load256(ref classWeights[0, i], lanes);
        Vector256<T> exp = VectorMath.Exp(Lanes.Load256(ref y[row, i], lanes) - Vector256.Create(Max));
        Lanes.Store256(Vector256.Create(SoftmaxScale) * exp - smoothing, ref gradient[row, i], lanes);
    }

    public void Invoke512(nint row, nint i, int lanes)
    {
        Vector512<T> smoothing = Vector512.Create(SmoothingScale);
        if (!classWeights.IsEmpty) smoothing *= Lanes.Load512(ref classWeights[0, i], lanes);
        Vector512<T> exp = VectorMath.Exp(Lanes.Load512(ref y[row, i], lanes) - Vector512.Create(Max));
        Lanes.Store512(Vector512.Create(SoftmaxScale) * exp - smoothing, ref gradient[row, i], lanes);
    }
}
