using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The first index in a row whose value equals <c>Max</c>, or, when <c>Max</c> is NaN, the first NaN (torch.argmax
/// treats NaN as the largest value). Start <c>Found</c> at −1; later matches leave it alone, so the first index wins ties.
/// </summary>
internal ref struct ArgMaxSearchStep<T>(Strided<T> x) : IElementwiseStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> x = x;
    public T Max;
    public int Found;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        if (Found >= 0) return;
        TVector v = TOps.LoadFirst(in x[row, i], lanes);
        TVector match = T.IsNaN(Max) ? TOps.IsNaN(v) : TOps.Equals(v, TOps.Broadcast(Max));
        int lane = TOps.FirstSet(TOps.KeepFirst(match, lanes, T.Zero));
        if (lane >= 0) Found = (int)i + lane;
    }
}
