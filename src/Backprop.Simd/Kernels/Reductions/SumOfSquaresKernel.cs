using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Σx² accurate for any length: each block of <see cref="BlockLength"/> elements is summed in T by four independent
/// vector accumulators (at most 64 terms per lane in float, and four chains hide the add latency), then the block's
/// lanes are added into a double. A float running sum would lose about log2(n) bits over 10⁶ elements; this keeps the
/// error to a few ulps of T. The scalar variant mirrors this with chunks of 16 squares summed in double.
/// </summary>
internal static class SumOfSquaresKernel
{
    private const int BlockLength = 1024;

    public static T Run<T>(ReadOnlySpan<T> x, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        for (int start = 0; start < x.Length; start += BlockLength)
        {
            ReadOnlySpan<T> block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            total += variant switch
            {
                SimdVariant.Vector512 => Block512(block),
                SimdVariant.Vector256 => Block256(block),
                SimdVariant.Vector128 => Block128(block),
                _ => BlockScalar(block),
            };
        }
        return T.CreateTruncating(total);
    }

    // Compiled fully optimised at first call, not tiered: the first epoch runs at full speed instead of in
    // unoptimised code, and the arithmetic never changes when a method is recompiled.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Block128<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T r = ref MemoryMarshal.GetReference(x);
        int width = Vector128<T>.Count, i = 0;
        Vector128<T> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i <= x.Length - 4 * width; i += 4 * width)
        {
            Vector128<T> v0 = Vector128.LoadUnsafe(ref r, (nuint)i), v1 = Vector128.LoadUnsafe(ref r, (nuint)(i + width));
            Vector128<T> v2 = Vector128.LoadUnsafe(ref r, (nuint)(i + 2 * width)), v3 = Vector128.LoadUnsafe(ref r, (nuint)(i + 3 * width));
            a0 += v0 * v0;
            a1 += v1 * v1;
            a2 += v2 * v2;
            a3 += v3 * v3;
        }
        for (; i <= x.Length - width; i += width)
        {
            Vector128<T> v = Vector128.LoadUnsafe(ref r, (nuint)i);
            a0 += v * v;
        }
        return Horizontal.SumToDouble(a0 + a1 + (a2 + a3)) + Tail(x, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Block256<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T r = ref MemoryMarshal.GetReference(x);
        int width = Vector256<T>.Count, i = 0;
        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i <= x.Length - 4 * width; i += 4 * width)
        {
            Vector256<T> v0 = Vector256.LoadUnsafe(ref r, (nuint)i), v1 = Vector256.LoadUnsafe(ref r, (nuint)(i + width));
            Vector256<T> v2 = Vector256.LoadUnsafe(ref r, (nuint)(i + 2 * width)), v3 = Vector256.LoadUnsafe(ref r, (nuint)(i + 3 * width));
            a0 += v0 * v0;
            a1 += v1 * v1;
            a2 += v2 * v2;
            a3 += v3 * v3;
        }
        for (; i <= x.Length - width; i += width)
        {
            Vector256<T> v = Vector256.LoadUnsafe(ref r, (nuint)i);
            a0 += v * v;
        }
        return Horizontal.SumToDouble(a0 + a1 + (a2 + a3)) + Tail(x, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Block512<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T r = ref MemoryMarshal.GetReference(x);
        int width = Vector512<T>.Count, i = 0;
        Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i <= x.Length - 4 * width; i += 4 * width)
        {
            Vector512<T> v0 = Vector512.LoadUnsafe(ref r, (nuint)i), v1 = Vector512.LoadUnsafe(ref r, (nuint)(i + width));
            Vector512<T> v2 = Vector512.LoadUnsafe(ref r, (nuint)(i + 2 * width)), v3 = Vector512.LoadUnsafe(ref r, (nuint)(i + 3 * width));
            a0 += v0 * v0;
            a1 += v1 * v1;
            a2 += v2 * v2;
            a3 += v3 * v3;
        }
        for (; i <= x.Length - width; i += width)
        {
            Vector512<T> v = Vector512.LoadUnsafe(ref r, (nuint)i);
            a0 += v * v;
        }
        return Horizontal.SumToDouble(a0 + a1 + (a2 + a3)) + Tail(x, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double BlockScalar<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += 16) sum += Tail(x[..Math.Min(start + 16, x.Length)], start);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tail<T>(ReadOnlySpan<T> x, int start) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int i = start; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            sum += v * v;
        }
        return sum;
    }
}
