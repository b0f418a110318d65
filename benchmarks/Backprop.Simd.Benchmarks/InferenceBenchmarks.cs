using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// W1 (784-256-128-10, ReLU) prediction through a frozen model: one row, and a batch of 128 rows; float weights, and one row
/// with bfloat16 weights (half the bytes to stream per call).
/// </summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private readonly float[] input = new float[128 * 784], output = new float[128 * 10];
    private InferenceSession<float> single = null!, batch = null!, singleBFloat16 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var network = new Network<float>(784, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 1);
        FrozenModel<float> model = FrozenModel<float>.From(network);
        single = model.CreateSession();
        batch = model.CreateSession(maxBatch: 128);
        singleBFloat16 = FrozenModel<float>.From(network, WeightFormat.BFloat16).CreateSession();
        var random = new Random(2);
        for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextDouble();
    }

    [Benchmark]
    public void PredictOneRow() => single.Predict(input.AsSpan(0, 784), output.AsSpan(0, 10));

    [Benchmark]
    public void PredictOneRowBFloat16Weights() => singleBFloat16.Predict(input.AsSpan(0, 784), output.AsSpan(0, 10));

    [Benchmark(OperationsPerInvoke = 128)]
    public void PredictBatchOf128() =>
        batch.Predict(new ReadOnlySpan2D<float>(input, 128, 784), new Span2D<float>(output, 128, 10));
}
