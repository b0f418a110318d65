using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// Over one row, given its max m: s = Σ_c e^(y_c − m), and with label smoothing the gap Σ_c w_c·(m − y_c) (w_c = 1
/// without class weights). Shifting by m keeps every exponent ≤ 0, so s ∈ [1, C] never overflows; the gap is a sum of
/// non-negative terms, so the smoothing part of the loss has no cancellation even for logits of ±200.
/// </summary>
internal ref struct SumExpStep<T>(Strided<T> y, Strided<T> classWeights, bool withGap) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> y = y, classWeights = classWeights;
    private readonly bool withGap = withGap;
    public T Max;
    public T SumExp;
    public double Gap;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector shifted = TOps.Subtract(TOps.LoadFirst(in y[row, i], lanes), TOps.Broadcast(Max));
        SumExp += TOps.Sum(TOps.KeepFirst(TOps.Exp(shifted), lanes, T.Zero));
        if (!withGap) return;
        if (!classWeights.IsEmpty) shifted = TOps.Multiply(shifted, TOps.LoadFirst(in classWeights[0, i], lanes));
        Gap -= double.CreateTruncating(TOps.Sum(TOps.KeepFirst(shifted, lanes, T.Zero)));
    }
}

/// <summary>
/// δ_c = a·e^(y_c − m) − b·w_c over one row, a = scale·Q/s, b = scale·ε/C: the softmax times the row's total target
/// mass Q minus the smoothing part of the target. The label's own (1 − ε)·w term is subtracted afterwards by the
/// kernel, so this pass has no per-element branch. δ is stored after y is read, so it may alias the logits.
/// </summary>
internal ref struct SoftmaxGradientStep<T>(Strided<T> y, Strided<T> classWeights, Strided<T> gradient) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> y = y, classWeights = classWeights, gradient = gradient;
    public T Max;
    public T SoftmaxScale;
    public T SmoothingScale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector smoothing = TOps.Broadcast(SmoothingScale);
        if (!classWeights.IsEmpty) smoothing = TOps.Multiply(smoothing, TOps.LoadFirst(in classWeights[0, i], lanes));
        TVector exp = TOps.Exp(TOps.Subtract(TOps.LoadFirst(in y[row, i], lanes), TOps.Broadcast(Max)));
        TOps.StoreFirst(TOps.Subtract(TOps.Multiply(TOps.Broadcast(SoftmaxScale), exp), smoothing), ref gradient[row, i], lanes);
    }
}
