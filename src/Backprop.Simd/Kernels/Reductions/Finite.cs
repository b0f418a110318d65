using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels;

/// <summary>Allocation-free finiteness checks over flat spans.</summary>
internal static class Finite
{
    // x − x is 0 for every finite x and NaN for ±∞ and NaN, so the sum of differences is 0 exactly when all are
    // finite — with no comparisons per element and no overflow, unlike a sum of the values themselves.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool All<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<Vector<T>> vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
        Vector<T> accumulator = Vector<T>.Zero;
        foreach (Vector<T> v in vectors) accumulator += v - v;
        T sum = Vector.Sum(accumulator);
        for (int i = vectors.Length * Vector<T>.Count; i < values.Length; i++) sum += values[i] - values[i];
        return sum == T.Zero;
    }
}
