using System.Diagnostics;
using System.Globalization;
using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// A few-second GFLOP/s table (median of repeated timed batches) for tuning between full BenchmarkDotNet runs:
/// <c>dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --matmul-quick [shape filter] [--threads N]</c>.
/// </summary>
public static class MatMulQuick
{
    /// <param name="filter">Runs only shapes whose name contains this text.</param>
    /// <param name="threads">Threads sharing each product (a <see cref="WorkerPool"/> when above 1).</param>
    public static void Run(string filter, int threads)
    {
        using var pool = new WorkerPool(threads);
        double peak = FmaPeak.Measure() * threads;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"variant {SimdSupport.Active}, {threads} thread(s); measured FMA peak {peak:F1} GFLOP/s ({threads} × one core's)"));
        foreach (MatMulShape shape in MatMulShape.All)
        {
            if (!shape.Name.Contains(filter, StringComparison.Ordinal)) continue;
            int repetitions = Math.Max(1, (int)(2e7 / shape.Flops));
            var seconds = new double[25];
            // Long enough for tiered compilation to install optimised code before timing starts.
            long warmUpEnd = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2);
            while (Stopwatch.GetTimestamp() < warmUpEnd) shape.Run(SimdSupport.Active, pool);
            for (int sample = 0; sample < seconds.Length; sample++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int r = 0; r < repetitions; r++) shape.Run(SimdSupport.Active, pool);
                seconds[sample] = Stopwatch.GetElapsedTime(start).TotalSeconds / repetitions;
            }

            Array.Sort(seconds);
            double median = seconds[seconds.Length / 2], best = seconds[0];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{shape.Name,-18} median {shape.Flops / median / 1e9,7:F1} GFLOP/s ({shape.Flops / median / 1e9 / peak,4:P0} of peak)   best {shape.Flops / best / 1e9,7:F1} GFLOP/s"));
        }
    }
}
