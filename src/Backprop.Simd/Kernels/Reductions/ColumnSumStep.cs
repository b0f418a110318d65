using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>sums[i] += x[row, i]: row after row, so the sums stay in cache while x streams past once.</summary>
internal ref struct ColumnSumStep<T>(Strided<T> x, Strided<T> sums) : IElementwiseStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> x = x, sums = sums;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.StoreFirst(TOps.Add(TOps.LoadFirst(in sums[0, i], lanes), TOps.LoadFirst(in x[row, i], lanes)), ref sums[0, i], lanes);
}
