using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>m = max_c y_c over one row (start Max at −∞); NaN when the row holds a NaN: softmax and argmax both start here.</summary>
internal ref struct RowMaxStep<T>(Strided<T> y) : IElementwiseStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> y = y;
    public T Max;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        Max = T.Max(Max, TOps.Largest(TOps.KeepFirst(TOps.LoadFirst(in y[row, i], lanes), lanes, T.NegativeInfinity)));
}
