using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The first index in a row whose value equals <c>Max</c>, or, when <c>Max</c> is NaN, the first NaN (torch.argmax
/// treats NaN as the largest value). Start <c>Found</c> at −1; later matches leave it alone, so the first index wins ties.
/// </summary>
internal ref struct ArgMaxSearchStep<T>(Strided<T> x) : IElementwiseStep where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> x = x;
    public T Max;
    public int Found;

    public void Invoke(nint row, nint i)
    {
        T v = x[row, i];
        if (Found < 0 && (T.IsNaN(Max) ? T.IsNaN(v) : v == Max)) Found = (int)i;
    }

    public void Invoke128(nint row, nint i, int lanes)
    {
        if (Found >= 0) return;
        Vector128<T> v = Lanes.Load128(ref x[row, i], lanes);
        Vector128<T> match = T.IsNaN(Max) ? ~Vector128.Equals(v, v) : Vector128.Equals(v, Vector128.Create(Max));
        uint bits = Lanes.KeepFirst128(match, lanes, T.Zero).ExtractMostSignificantBits();
        if (bits != 0) Found = (int)i + BitOperations.TrailingZeroCount(bits);
    }

    public void Invoke256(nint row, nint i, int lanes)
    {
        if (Found >= 0) return;
        Vector256<T> v = Lanes.Load256(ref x[row, i], lanes);
        Vector256<T> match = T.IsNaN(Max) ? ~Vector256.Equals(v, v) : Vector256.Equals(v, Vector256.Create(Max));
        uint bits = Lanes.KeepFirst256(match, lanes, T.Zero).ExtractMostSignificantBits();
        if (bits != 0) Found = (int)i + BitOperations.TrailingZeroCount(bits);
    }

    public void Invoke512(nint row, nint i, int lanes)
    {
        if (Found >= 0) return;
        Vector512<T> v = Lanes.Load512(ref x[row, i], lanes);
        Vector512<T> match = T.IsNaN(Max) ? ~Vector512.Equals(v, v) : Vector512.Equals(v, Vector512.Create(Max));
        ulong bits = Lanes.KeepFirst512(match, lanes, T.Zero).ExtractMostSignificantBits();
        if (bits != 0) Found = (int)i + BitOperations.TrailingZeroCount(bits);
    }
}
