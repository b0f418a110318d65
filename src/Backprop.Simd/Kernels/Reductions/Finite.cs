using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>Allocation-free finiteness checks over flat spans.</summary>
internal static class Finite
{
    /// <summary>True when no element is NaN or infinite; runs the <see cref="SimdSupport.Active"/> variant.</summary>
    public static bool All<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T> =>
        All(values, SimdSupport.Active);

    public static bool All<T>(ReadOnlySpan<T> values, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T> =>
        variant switch
        {
            SimdVariant.Vector512 => All<T, Vector512<T>, Vector512Ops<T>>(values),
            SimdVariant.Vector256 => All<T, Vector256<T>, Vector256Ops<T>>(values),
            SimdVariant.Vector128 => All<T, Vector128<T>, Vector128Ops<T>>(values),
            _ => All<T, T, ScalarOps<T>>(values),
        };

    // x − x is 0 for every finite x and NaN for ±∞ and NaN, so the sum of differences is 0 exactly when all are
    // finite — with no comparisons per element and no overflow, unlike a sum of the values themselves.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static bool All<T, TVector, TOps>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        ref T start = ref MemoryMarshal.GetReference(values);
        TVector accumulator = TOps.Zero;
        nint i = 0;
        for (; i <= values.Length - TOps.Count; i += TOps.Count)
        {
            TVector v = TOps.Load(in Unsafe.Add(ref start, i));
            accumulator = TOps.Add(accumulator, TOps.Subtract(v, v));
        }
        T sum = TOps.Sum(accumulator);
        for (; i < values.Length; i++) sum += Unsafe.Add(ref start, i) - Unsafe.Add(ref start, i);
        return sum == T.Zero;
    }
}
