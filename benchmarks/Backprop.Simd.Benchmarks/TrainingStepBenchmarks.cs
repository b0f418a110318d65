using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// One W1 training step (784-256-128-10 ReLU MLP, batch 128, softmax cross-entropy, Adam): forward, backward and the
/// optimizer update, and each half alone. 60,000 / 128 = 469 such steps make a Fashion-MNIST epoch, so epoch seconds ≈
/// 469 × the step's mean.
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private const int Batch = 128, Inputs = 784;
    private readonly float[] inputs = new float[Batch * Inputs];
    private readonly int[] labels = new int[Batch];
    private Trainer<float> trainer = null!;
    private WorkerPool? pool;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble();
        for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(10);
        var network = new Network<float>(Inputs, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 1);
        pool = Threads > 1 ? new WorkerPool(Threads) : null;
        trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(1e-4), Batch) { Pool = pool };
    }

    [GlobalCleanup]
    public void Cleanup() => pool?.Dispose();

    [Benchmark]
    public float W1TrainingStep() => trainer.Step(new ReadOnlySpan2D<float>(inputs, Batch, Inputs), labels);

    /// <summary>The step's forward and backward passes alone: loss and gradients, no update.</summary>
    [Benchmark]
    public float W1Gradients() => trainer.ComputeGradients(new ReadOnlySpan2D<float>(inputs, Batch, Inputs), labels);

    /// <summary>The step's Adam update alone, over all 235,146 parameters.</summary>
    [Benchmark]
    public void W1AdamUpdate() => trainer.ApplyGradients();
}
