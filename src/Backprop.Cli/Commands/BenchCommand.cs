using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Backprop.Cli.Output;
using Backprop.Simd.Inference;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop bench</c>: a few seconds' speed report of this machine on the W1 workload, the 784-256-128-10 ReLU MLP at
/// batch 128 trained with Adam — its eight matrix products, one training step, and prediction latency at batch 1, 128 and 1024.
/// </summary>
internal static class BenchCommand
{
    private const int Batch = 128;
    private const int LargeBatch = 1024;
    private static readonly int[] Widths = [784, 256, 128, 10];
    // Two-thread prediction is measured only where two cores can run it; on one it would time the scheduler.
    private static readonly bool SharesTwoCores = Environment.ProcessorCount >= 2;
    private const double MeasureSeconds = 0.25;

    public static Command Create(ToolConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object." };
        var soak = new Option<int>("--soak")
        {
            Description = "Predict and train continuously for this many seconds, then measure prediction and the training "
                + "step again (the runtime's tiered recompilation happens in the first seconds of a process's life; 0 skips it).",
            DefaultValueFactory = _ => 0,
        };
        soak.Validators.Add(result =>
        {
            int seconds = result.GetValueOrDefault<int>();
            if (seconds is < 0 or > 3600) result.AddError("--soak must be between 0 and 3600 seconds, not " + seconds + ".");
        });
        var command = new Command("bench", "Measure this machine: W1 matrix products (GFLOP/s), a training step, prediction latency.")
        {
            json,
            soak,
        };
        command.SetAction(parsed => Run(console, parsed.GetValue(json), parsed.GetValue(soak)));
        return command;
    }

    private static int Run(ToolConsole console, bool json, int soakSeconds)
    {
        // Eight products, the training step and four predictions (the step and three predictions more on two threads
        // where the machine has two cores); a soak adds itself and five late measurements.
        var stages = new StageProgress(console.Interactive ? new ProgressBar(console.Output, console.Columns) : null, "bench",
            (SharesTwoCores ? 17 : 13) + (soakSeconds > 0 ? 6 : 0));
        var products = MeasureProducts(stages);
        (Trainer<float> trainer, float[] features, int[] labels) = W1(OptimizerSettings.Adam());
        Action step = () => trainer.Step(new ReadOnlySpan2D<float>(features, Batch, Widths[0]), labels);
        List<LatencyResult> latencies = [MeasureTrainingStep(step, "", stages)];
        if (SharesTwoCores)
        {
            // The same step with its products, elementwise passes and update shared by two threads: with the one-thread
            // step beside it, the two-thread speed-up of one step, without an epoch's data loading around it.
            using var pool = new WorkerPool(2);
            (Trainer<float> shared, _, _) = W1(OptimizerSettings.Adam());
            shared.Pool = pool;
            Action sharedStep = () => shared.Step(new ReadOnlySpan2D<float>(features, Batch, Widths[0]), labels);
            latencies.Add(new("training step (Adam), 2 threads", "training_step_adam_two_threads", InMilliseconds: true,
                Time(sharedStep, stages, "training step (Adam), 2 threads"), Allocated(sharedStep)));
        }
        latencies.AddRange(MeasurePrediction(soakSeconds, step, stages));
        stages.Clear();
        if (json) WriteJson(console.Output, products, latencies);
        else WriteText(console.Output, products, latencies);
        return ExitCode.Success;
    }

    private static List<ProductResult> MeasureProducts(StageProgress stages)
    {
        var results = new List<ProductResult>();
        var random = new Xoshiro256StarStar(1);
        for (int layer = 0; layer < Widths.Length - 1; layer++)
        {
            int inputs = Widths[layer], outputs = Widths[layer + 1];
            float[] x = Fill(Batch * inputs, random), w = Fill(inputs * outputs, random), delta = Fill(Batch * outputs, random);
            float[] y = new float[Batch * outputs], gradient = new float[inputs * outputs], inputError = new float[Batch * inputs];
            results.Add(Measure("forward", layer, Batch, outputs, inputs, stages,
                () => MatMul.Multiply<float>(x.AsSpan2D(Batch, inputs), w.AsSpan2D(inputs, outputs), new Span2D<float>(y, Batch, outputs))));
            results.Add(Measure("weight gradient", layer, inputs, outputs, Batch, stages,
                () => MatMul.MultiplyTransposedA<float>(x.AsSpan2D(Batch, inputs), delta.AsSpan2D(Batch, outputs),
                    new Span2D<float>(gradient, inputs, outputs))));
            // The first layer's input error is never computed in training, so it is not part of the workload.
            if (layer > 0)
                results.Add(Measure("input error", layer, Batch, inputs, outputs, stages,
                    () => MatMul.MultiplyTransposedB<float>(delta.AsSpan2D(Batch, outputs), w.AsSpan2D(inputs, outputs),
                        new Span2D<float>(inputError, Batch, inputs))));
        }
        return results;
    }

    private static ProductResult Measure(string kind, int layer, int m, int n, int k, StageProgress stages, Action product)
    {
        string name = kind + " L" + (layer + 1).ToString(CultureInfo.InvariantCulture);
        Timing timing = Time(product, stages, name);
        double flops = 2.0 * m * n * k;
        return new ProductResult(name, m, n, k, flops / timing.Median / 1e9);
    }

    private static LatencyResult MeasureTrainingStep(Action step, string after, StageProgress stages)
    {
        string label = "training step (Adam)" + after;
        return new(label, after.Length == 0 ? "training_step_adam" : "training_step_adam_late", InMilliseconds: true,
            Time(step, stages, label), Allocated(step));
    }

    // Prediction as a service does it: a frozen model and one session per thread (the batch-1 path for one row), with
    // float weights and with bfloat16 weights, and with a two-thread pool. With a soak, the same sessions are measured again after that many seconds
    // of continuous calls, training steps among them, so a slowdown that sets in once the runtime recompiles a hot path
    // shows as early vs late, for training as for prediction.
    private static List<LatencyResult> MeasurePrediction(int soakSeconds, Action trainingStep, StageProgress stages)
    {
        (Trainer<float> trainer, float[] features, _) = W1(OptimizerSettings.Adam());
        InferenceSession<float> session = FrozenModel<float>.From(trainer.Network).CreateSession(Batch);
        InferenceSession<float> half = FrozenModel<float>.From(trainer.Network, WeightFormat.BFloat16).CreateSession(1);
        InferenceSession<float> large = FrozenModel<float>.From(trainer.Network).CreateSession(LargeBatch);
        float[] largeFeatures = Fill(LargeBatch * Widths[0], new Xoshiro256StarStar(3));
        float[] outputs = new float[LargeBatch * Widths[^1]];
        LatencyResult Measure(string label, string key, InferenceSession<float> predictor, int rows)
        {
            float[] inputs = rows > Batch ? largeFeatures : features;
            return new(label, key, InMilliseconds: false, Time(() => Predict(predictor, inputs, outputs, rows), stages, label),
                Allocated(() => Predict(predictor, inputs, outputs, rows)));
        }
        List<LatencyResult> early =
        [
            Measure("predict batch 1", "predict_batch_1", session, 1),
            Measure("predict batch 1 bf16", "predict_batch_1_bfloat16", half, 1),
            Measure("predict batch 128", "predict_batch_128", session, Batch),
            Measure("predict batch 1024", "predict_batch_1024", large, LargeBatch),
        ];
        if (SharesTwoCores)
        {
            using var pool = new WorkerPool(2);
            InferenceSession<float> shared = FrozenModel<float>.From(trainer.Network).CreateSession(Batch);
            InferenceSession<float> sharedHalf = FrozenModel<float>.From(trainer.Network, WeightFormat.BFloat16).CreateSession(1);
            (shared.Pool, sharedHalf.Pool) = (pool, pool);
            early.Add(Measure("predict batch 1, 2 threads", "predict_batch_1_two_threads", shared, 1));
            early.Add(Measure("predict batch 1 bf16, 2 threads", "predict_batch_1_bfloat16_two_threads", sharedHalf, 1));
            early.Add(Measure("predict batch 128, 2 threads", "predict_batch_128_two_threads", shared, Batch));
        }
        if (soakSeconds == 0) return early;

        stages.Start("soak " + soakSeconds.ToString(CultureInfo.InvariantCulture) + " s");
        long end = Stopwatch.GetTimestamp() + soakSeconds * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < end)
        {
            Predict(session, features, outputs, 1);
            Predict(half, features, outputs, 1);
            Predict(session, features, outputs, Batch);
            Predict(large, largeFeatures, outputs, LargeBatch);
            trainingStep();
        }
        stages.Finish();
        string after = " after " + soakSeconds.ToString(CultureInfo.InvariantCulture) + " s";
        return
        [
            .. early,
            Measure("predict batch 1" + after, "predict_batch_1_late", session, 1),
            Measure("predict batch 1 bf16" + after, "predict_batch_1_bfloat16_late", half, 1),
            Measure("predict batch 128" + after, "predict_batch_128_late", session, Batch),
            Measure("predict batch 1024" + after, "predict_batch_1024_late", large, LargeBatch),
            MeasureTrainingStep(trainingStep, after, stages),
        ];
    }

    private static void Predict(InferenceSession<float> session, float[] features, float[] outputs, int rows) =>
        session.Predict(new ReadOnlySpan2D<float>(features, rows, Widths[0]), new Span2D<float>(outputs, rows, Widths[^1]));

    private static long Allocated(Action work)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        work();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static (Trainer<float>, float[], int[]) W1(OptimizerSettings optimizer)
    {
        var network = new Network<float>(Widths[0],
            [new Dense(Widths[1], Activation.Relu), new Dense(Widths[2], Activation.Relu), new Dense(Widths[3])], seed: 1);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), optimizer, Batch);
        var random = new Xoshiro256StarStar(2);
        float[] features = Fill(Batch * Widths[0], random);
        int[] labels = new int[Batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = random.NextInt32(Widths[^1]);
        return (trainer, features, labels);
    }

    // Runs the work for a short fixed time after a warm-up of at least 50 calls and twice that time (tiered JIT promotes
    // a method in the background some 100 ms after its 30th call; a shorter warm-up times unoptimised code) and keeps every duration, so the report can give medians and
    // tails rather than a mean that one stray pause distorts.
    private static Timing Time(Action work, StageProgress stages, string stage)
    {
        stages.Start(stage);
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
        stages.Finish();
        return new Timing(Percentile(durations, 0.5), Percentile(durations, 0.99), durations.Count);
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];

    private static float[] Fill(int length, Xoshiro256StarStar random)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextUniform(-1, 1);
        return values;
    }

    private static void WriteText(TextWriter output, List<ProductResult> products, List<LatencyResult> latencies)
    {
        output.WriteLine(BackpropTool.VersionLine());
        output.WriteLine("W1: 784-256-128-10 ReLU MLP, batch 128, float32, 1 thread unless marked");
        output.WriteLine();
        output.WriteLine("product               m      n      k   GFLOP/s");
        foreach (ProductResult product in products)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{product.Name,-18}{product.M,5}{product.N,7}{product.K,7}{product.GigaFlops,10:F2}"));
        output.WriteLine();
        foreach (LatencyResult latency in latencies)
        {
            (string unit, Func<double, string> format) = latency.InMilliseconds ? ("ms", (Func<double, string>)Milliseconds) : ("µs", Microseconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{latency.Label,-32} p50 {format(latency.Timing.Median)} {unit}   p99 {format(latency.Timing.P99)} {unit}   allocated {latency.Bytes} B"));
        }
    }

    private static string Milliseconds(double seconds) => (seconds * 1e3).ToString("F3", CultureInfo.InvariantCulture);

    private static string Microseconds(double seconds) => (seconds * 1e6).ToString("F1", CultureInfo.InvariantCulture);

    private static void WriteJson(TextWriter output, List<ProductResult> products, List<LatencyResult> latencies)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("version", BackpropTool.VersionLine());
            writer.WriteString("simd", SimdSupport.Active.ToString());
            writer.WriteString("workload", "784-256-128-10 relu, batch 128, float32, 1 thread unless marked");
            writer.WriteStartArray("products");
            foreach (ProductResult product in products)
            {
                writer.WriteStartObject();
                writer.WriteString("name", product.Name);
                writer.WriteNumber("m", product.M);
                writer.WriteNumber("n", product.N);
                writer.WriteNumber("k", product.K);
                writer.WriteNumber("gflops", Math.Round(product.GigaFlops, 3));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            foreach (LatencyResult latency in latencies) WriteTiming(writer, latency.Key, latency.Timing, latency.Bytes);
            writer.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteTiming(Utf8JsonWriter writer, string name, Timing timing, long allocatedBytes)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("p50_seconds", timing.Median);
        writer.WriteNumber("p99_seconds", timing.P99);
        writer.WriteNumber("samples", timing.Samples);
        writer.WriteNumber("allocated_bytes", allocatedBytes);
        writer.WriteEndObject();
    }

    private readonly record struct Timing(double Median, double P99, int Samples);

    private readonly record struct ProductResult(string Name, int M, int N, int K, double GigaFlops);

    private readonly record struct LatencyResult(string Label, string Key, bool InMilliseconds, Timing Timing, long Bytes);
}
