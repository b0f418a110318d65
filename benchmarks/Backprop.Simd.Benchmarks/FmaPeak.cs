using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Backprop.Simd.Kernels;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// This core's measured float32 multiply-add peak: twelve independent FMA chains in registers, nothing loaded, at the
/// vector width the kernels run (<see cref="SimdSupport.Active"/>: 512 bits on an AVX-512 core, whose 512-bit FMA a
/// 256-bit measurement would undercount). The yardstick for "percent of peak" in the quick table, since a cloud core's
/// boost clock is not on any spec sheet.
/// </summary>
public static class FmaPeak
{
    /// <summary>The best of five ~0.2 s runs, in GFLOP/s (one FMA = 2 FLOP per lane).</summary>
    public static double Measure()
    {
        const long iterations = 20_000_000;
        SimdVariant variant = SimdSupport.Active;
        Chains(1_000_000, variant); // past tiered compilation's first tier
        double best = 0;
        for (int run = 0; run < 5; run++)
        {
            long start = Stopwatch.GetTimestamp();
            Chains(iterations, variant);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, iterations * 12 * Lanes(variant) * 2 / seconds / 1e9);
        }

        return best;
    }

    private static int Lanes(SimdVariant variant) => variant switch
    {
        SimdVariant.Vector512 => Vector512<float>.Count,
        SimdVariant.Vector256 => Vector256<float>.Count,
        SimdVariant.Vector128 => Vector128<float>.Count,
        _ => 1,
    };

    private static float Chains(long iterations, SimdVariant variant) => variant switch
    {
        SimdVariant.Vector512 => Vector512.Sum(Chains<Vector512<float>, Vector512Ops<float>>(iterations)),
        SimdVariant.Vector256 => Vector256.Sum(Chains<Vector256<float>, Vector256Ops<float>>(iterations)),
        SimdVariant.Vector128 => Vector128.Sum(Chains<Vector128<float>, Vector128Ops<float>>(iterations)),
        _ => Chains<float, ScalarOps<float>>(iterations),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVector Chains<TVector, TOps>(long iterations) where TVector : struct where TOps : IVectorOps<TVector, float>
    {
        TVector a = TOps.Broadcast(0.999999f), b = TOps.Broadcast(1e-7f);
        TVector c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b, c8 = a, c9 = b, c10 = a, c11 = b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = TOps.MultiplyAdd(a, b, c0); c1 = TOps.MultiplyAdd(a, b, c1);
            c2 = TOps.MultiplyAdd(a, b, c2); c3 = TOps.MultiplyAdd(a, b, c3);
            c4 = TOps.MultiplyAdd(a, b, c4); c5 = TOps.MultiplyAdd(a, b, c5);
            c6 = TOps.MultiplyAdd(a, b, c6); c7 = TOps.MultiplyAdd(a, b, c7);
            c8 = TOps.MultiplyAdd(a, b, c8); c9 = TOps.MultiplyAdd(a, b, c9);
            c10 = TOps.MultiplyAdd(a, b, c10); c11 = TOps.MultiplyAdd(a, b, c11);
        }

        return TOps.Add(TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3)), TOps.Add(TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7)),
            TOps.Add(TOps.Add(c8, c9), TOps.Add(c10, c11))));
    }
}
