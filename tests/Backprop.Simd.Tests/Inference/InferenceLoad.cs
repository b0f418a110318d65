using System.Diagnostics;
using System.Globalization;
using Backprop.Simd.Inference;

namespace Backprop.Simd.Tests.Inference;

/// <summary>What one load run measured: per-call latency percentiles over every thread, throughput and collections.</summary>
public readonly record struct LoadResult(int Threads, long Calls, double Seconds, double P50Microseconds,
    double P99Microseconds, double P999Microseconds, double MaxMicroseconds, int Gen0, int Gen1, int Gen2, long BytesAllocated)
{
    public double CallsPerSecond => Calls / Seconds;

    public static string Header => "| threads | calls/s | p50 µs | p99 µs | p99.9 µs | max µs | gen0/1/2 | bytes allocated |";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"| {Threads} | {CallsPerSecond:N0} | {P50Microseconds:F2} | {P99Microseconds:F2} | {P999Microseconds:F2} | {MaxMicroseconds:F1} | {Gen0}/{Gen1}/{Gen2} | {BytesAllocated} |");
}

/// <summary>
/// Drives <c>threads</c> threads of back-to-back one-row predictions against one shared model, each thread with its own
/// session, timing every call with <see cref="Stopwatch.GetTimestamp"/> into a preallocated array, for a fixed time or
/// a fixed number of calls per thread, whichever ends first.
/// </summary>
public static class InferenceLoad
{
    public static LoadResult Run(FrozenModel<float> model, int threads, TimeSpan duration, int maxCallsPerThread, float[][] inputs)
    {
        var latencies = new long[threads][];
        var counts = new int[threads];
        var allocated = new long[threads];
        int ready = 0;
        using var start = new ManualResetEventSlim();
        long stopAt = 0;
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            latencies[id] = new long[maxCallsPerThread];
            workers[t] = new Thread(() =>
            {
                InferenceSession<float> session = model.CreateSession();
                var output = new float[model.OutputSize];
                long[] own = latencies[id];
                for (int i = 0; i < 1000; i++) session.Predict(inputs[i % inputs.Length], output);
                Interlocked.Increment(ref ready);
                start.Wait();
                long before = GC.GetAllocatedBytesForCurrentThread(), end = Volatile.Read(ref stopAt);
                int n = 0;
                for (long now = Stopwatch.GetTimestamp(); n < own.Length && now < end; n++)
                {
                    session.Predict(inputs[(n * 7 + id) % inputs.Length], output);
                    long after = Stopwatch.GetTimestamp();
                    own[n] = after - now;
                    now = after;
                }
                allocated[id] = GC.GetAllocatedBytesForCurrentThread() - before;
                counts[id] = n;
            }) { IsBackground = true };
            workers[t].Start();
        }
        while (Volatile.Read(ref ready) < threads) Thread.Sleep(1);
        (int gen0, int gen1, int gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        long started = Stopwatch.GetTimestamp();
        Volatile.Write(ref stopAt, started + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        start.Set();
        foreach (Thread worker in workers) worker.Join();
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        (gen0, gen1, gen2) = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);

        long calls = counts.Sum(c => (long)c);
        var all = new long[calls];
        long offset = 0;
        for (int t = 0; t < threads; t++)
        {
            Array.Copy(latencies[t], 0, all, offset, counts[t]);
            offset += counts[t];
        }
        Array.Sort(all);
        double Micro(double quantile) => all[Math.Min(all.Length - 1, (long)(quantile * all.Length))] * 1e6 / Stopwatch.Frequency;
        return new LoadResult(threads, calls, seconds, Micro(0.5), Micro(0.99), Micro(0.999), Micro(1), gen0, gen1, gen2, allocated.Sum());
    }
}
