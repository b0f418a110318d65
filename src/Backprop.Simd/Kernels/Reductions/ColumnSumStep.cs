using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>sums[i] += x[row, i]: row after row, so the sums stay in cache while x streams past once.</summary>
internal ref struct ColumnSumStep<T>(Strided<T> x, Strided<T> sums) : IElementwiseStep where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> x = x, sums = sums;

    public readonly void Invoke(nint row, nint i) => sums[0, i] += x[row, i];

    public readonly void Invoke128(nint row, nint i, int lanes) =>
        Lanes.Store128(Lanes.Load128(ref sums[0, i], lanes) + Lanes.Load128(ref x[row, i], lanes), ref sums[0, i], lanes);

    public readonly void Invoke256(nint row, nint i, int lanes) =>
        Lanes.Store256(Lanes.Load256(ref sums[0, i], lanes) + Lanes.Load256(ref x[row, i], lanes), ref sums[0, i], lanes);

    public readonly void Invoke512(nint row, nint i, int lanes) =>
        Lanes.Store512(Lanes.Load512(ref sums[0, i], lanes) + Lanes.Load512(ref x[row, i], lanes), ref sums[0, i], lanes);
}
