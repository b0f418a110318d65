using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// This core's measured float32 multiply-add peak: twelve independent FMA chains in registers, nothing loaded, at the
/// widest hardware-accelerated vector width up to 256 bits. The yardstick for "percent of peak" in the quick table, since
/// a cloud core's boost clock is not on any spec sheet.
/// </summary>
public static class FmaPeak
{
    /// <summary>The best of five ~0.2 s runs, in GFLOP/s (one FMA = 2 FLOP per lane).</summary>
    public static double Measure()
    {
        const long iterations = 20_000_000;
        bool wide = Vector256.IsHardwareAccelerated;
        int lanes = wide ? Vector256<float>.Count : Vector128<float>.Count;
        Chains(1_000_000, wide); // past tiered compilation's first tier
        double best = 0;
        for (int run = 0; run < 5; run++)
        {
            long start = Stopwatch.GetTimestamp();
            Chains(iterations, wide);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, iterations * 12 * lanes * 2 / seconds / 1e9);
        }

        return best;
    }

    private static float Chains(long iterations, bool wide) => wide
        ? Vector256.Sum(Chains(iterations, Vector256.Create(0.999999f), Vector256.Create(1e-7f)))
        : Vector128.Sum(Chains(iterations, Vector128.Create(0.999999f), Vector128.Create(1e-7f)));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Chains(long iterations, Vector256<float> a, Vector256<float> b)
    {
        Vector256<float> c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b, c8 = a, c9 = b, c10 = a, c11 = b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(a, b, c0); c1 = Vector256.FusedMultiplyAdd(a, b, c1);
            c2 = Vector256.FusedMultiplyAdd(a, b, c2); c3 = Vector256.FusedMultiplyAdd(a, b, c3);
            c4 = Vector256.FusedMultiplyAdd(a, b, c4); c5 = Vector256.FusedMultiplyAdd(a, b, c5);
            c6 = Vector256.FusedMultiplyAdd(a, b, c6); c7 = Vector256.FusedMultiplyAdd(a, b, c7);
            c8 = Vector256.FusedMultiplyAdd(a, b, c8); c9 = Vector256.FusedMultiplyAdd(a, b, c9);
            c10 = Vector256.FusedMultiplyAdd(a, b, c10); c11 = Vector256.FusedMultiplyAdd(a, b, c11);
        }

        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector128<float> Chains(long iterations, Vector128<float> a, Vector128<float> b)
    {
        Vector128<float> c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b, c8 = a, c9 = b, c10 = a, c11 = b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(a, b, c0); c1 = Vector128.FusedMultiplyAdd(a, b, c1);
            c2 = Vector128.FusedMultiplyAdd(a, b, c2); c3 = Vector128.FusedMultiplyAdd(a, b, c3);
            c4 = Vector128.FusedMultiplyAdd(a, b, c4); c5 = Vector128.FusedMultiplyAdd(a, b, c5);
            c6 = Vector128.FusedMultiplyAdd(a, b, c6); c7 = Vector128.FusedMultiplyAdd(a, b, c7);
            c8 = Vector128.FusedMultiplyAdd(a, b, c8); c9 = Vector128.FusedMultiplyAdd(a, b, c9);
            c10 = Vector128.FusedMultiplyAdd(a, b, c10); c11 = Vector128.FusedMultiplyAdd(a, b, c11);
        }

        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }
}
