using System.Diagnostics;
using System.Globalization;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// The prediction comparison in a minute: <see cref="OnnxRuntimeComparison"/>'s calls timed the way <c>backprop
/// bench</c> times its own (a warm-up of at least 50 calls and 0.5 s, then every call's duration for 0.25 s), round by
/// round so that both runtimes meet the same noise, printed as p50 and p99 per call. ONNX Runtime runs both its calls
/// into preallocated tensors: <c>Run</c> with OrtValues and <c>RunWithBinding</c> with an IoBinding.
/// </summary>
internal static class OnnxRuntimeQuick
{
    private const double MeasureSeconds = 0.25;

    public static void Run(int rounds)
    {
        Console.WriteLine("W1 784-256-128-10 ReLU, float32, one thread unless marked; p50 / p99 per call in µs, " + rounds + " rounds");
        Console.WriteLine($"{"batch",5}  {"round",5}  {"ours float",18}  {"ours bfloat16",18}  {"ORT Run",18}  {"ORT IoBinding",18}"
            + $"  {"ours 2 threads",18}  {"ours bf16 2 thr.",18}  {"ORT 2 threads",18}");
        foreach (int batch in (int[])[1, 128, 1024])
        {
            using var comparison = new OnnxRuntimeComparison { Batch = batch };
            comparison.Setup();
            for (int round = 1; round <= rounds; round++)
            {
                string Cell(Action work)
                {
                    (double p50, double p99) = Time(work);
                    return string.Create(CultureInfo.InvariantCulture, $"{p50 * 1e6,8:F1} / {p99 * 1e6,8:F1}");
                }
                Console.WriteLine($"{batch,5}  {round,5}  {Cell(comparison.BackpropSimd)}  {Cell(comparison.BackpropSimdBFloat16)}  "
                    + $"{Cell(comparison.OnnxRuntime)}  {Cell(comparison.OnnxRuntimeIoBinding)}  "
                    + $"{Cell(comparison.BackpropSimdTwoThreads)}  {Cell(comparison.BackpropSimdBFloat16TwoThreads)}  "
                    + $"{Cell(comparison.OnnxRuntimeIoBindingTwoThreads)}");
            }
        }
    }

    private static (double P50, double P99) Time(Action work)
    {
        long budget = (long)(MeasureSeconds * Stopwatch.Frequency);
        long warmUpStart = Stopwatch.GetTimestamp();
        for (int calls = 0; calls < 50 || Stopwatch.GetTimestamp() - warmUpStart < 2 * budget; calls++) work();
        var durations = new List<double>();
        long start = Stopwatch.GetTimestamp();
        while (durations.Count < 5 || (Stopwatch.GetTimestamp() - start < budget && durations.Count < 100_000))
        {
            long before = Stopwatch.GetTimestamp();
            work();
            durations.Add((Stopwatch.GetTimestamp() - before) / (double)Stopwatch.Frequency);
        }
        durations.Sort();
        return (Percentile(durations, 0.5), Percentile(durations, 0.99));
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
}
