using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using BenchmarkDotNet.Attributes;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// N threads of back-to-back W1 one-row predictions against one shared model, each thread with its own session: the
/// reported Mean is the wall time of one round in which every thread makes one prediction (throughput = Threads / Mean),
/// with GC counts from the memory diagnoser; its Allocated column is the threads' creation, spread over the predictions. Per-call latency percentiles under the same load come from the Report test
/// <c>InferenceLatencyReport</c> in the test project.
/// </summary>
[MemoryDiagnoser]
public class InferenceLoadBenchmark
{
    private const int PredictionsPerThread = 2_000;
    private readonly float[] input = new float[784];
    private FrozenModel<float> model = null!;
    private InferenceSession<float>[] sessions = null!;
    private float[][] outputs = null!;

    [Params(1, 2, 4, 8)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        model = FrozenModel<float>.From(new Network<float>(784,
            [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 1));
        sessions = new InferenceSession<float>[Threads];
        outputs = new float[Threads][];
        for (int t = 0; t < Threads; t++) (sessions[t], outputs[t]) = (model.CreateSession(), new float[10]);
        var random = new Random(2);
        for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextDouble();
    }

    // Thread start-up is part of each invocation but small against 2,000 predictions of ~10 µs per thread.
    [Benchmark(OperationsPerInvoke = PredictionsPerThread)]
    public void Predict()
    {
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                InferenceSession<float> session = sessions[id];
                float[] output = outputs[id];
                for (int i = 0; i < PredictionsPerThread; i++) session.Predict(input, output);
            });
            threads[t].Start();
        }
        foreach (Thread thread in threads) thread.Join();
    }
}
