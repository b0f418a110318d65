using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Training;

/// <summary>Runs alone: gen-0 collection counts are process-wide, so a test allocating in parallel would disturb them.</summary>
[CollectionDefinition(nameof(AllocationMeasurements), DisableParallelization = true)]
public sealed class AllocationMeasurements;

[Collection(nameof(AllocationMeasurements))]
public class ZeroAllocationTests(ITestOutputHelper output)
{
    public static TheoryData<OptimizerKind> Optimizers() => new(Enum.GetValues<OptimizerKind>());

    internal static OptimizerSettings Settings(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => OptimizerSettings.Sgd(0.01, momentum: 0.9, weightDecay: 1e-4, nesterov: true),
        OptimizerKind.Adam => OptimizerSettings.Adam(weightDecay: 1e-4),
        OptimizerKind.AdamW => OptimizerSettings.AdamW(),
        OptimizerKind.RmsProp => OptimizerSettings.RmsProp(momentum: 0.9, centered: true),
        OptimizerKind.Adagrad => OptimizerSettings.Adagrad(),
        OptimizerKind.Rprop => OptimizerSettings.Rprop(),
        OptimizerKind.IRpropPlus => OptimizerSettings.IRpropPlus(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "add the new optimizer here"),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Ten_thousand_steps_and_predictions_allocate_nothing(OptimizerKind kind)
    {
        const int samples = 200, batch = 16;
        float[,] x = TestData.Normal<float>(samples, 8, seed: 1);
        int[] labels = TestData.Labels(samples, 4, seed: 2);
        var network = new Network<float>(8, [new Dense(8, Activation.Gelu), new Dense(8, Activation.Relu), new Dense(4)], seed: 3);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(0.1), Settings(kind), batch)
        {
            TrackLayerNorms = true,
            ComputeInputGradient = true,
            MaxGradientNorm = 1.0,
            Schedule = LearningRateSchedule.CosineAnnealing(10_000).WithLinearWarmup(100),
        };
        var random = new Xoshiro256StarStar(4);
        var order = new int[samples];
        MiniBatch.FillSequence(order);
        var miniBatch = new MiniBatchBuffer<float>(batch, 8);
        var predictions = new float[samples, 4];
        var classes = new int[samples];
        int cursor = samples;

        void TrainStep(int call)
        {
            if (cursor >= samples)
            {
                random.Shuffle<int>(order);
                cursor = 0;
            }
            int rows = Math.Min(batch, samples - cursor); // 200 = 12·16 + 8: the last batch of each epoch is partial
            miniBatch.Gather(x, labels, order.AsSpan(cursor, rows));
            cursor += rows;
            trainer.Step(miniBatch.Features, miniBatch.Labels);
        }

        void Predict(int call)
        {
            int row = call * 7 % (samples - batch);
            trainer.Predict(new ReadOnlySpan2D<float>(x).Slice(row, 0, 1 + call % batch, 8), new Span2D<float>(predictions).Slice(row, 0, 1 + call % batch, 4));
            if (call % 100 == 0) trainer.PredictClasses(x, classes);
        }

        long stepBytes = SteadyState.AllocatedBytes(TrainStep, calls: 10_000);
        long predictionBytes = SteadyState.AllocatedBytes(Predict, calls: 10_000);

        output.WriteLine($"{kind}: 10,000 steps allocated {stepBytes} B, 10,000 predictions {predictionBytes} B");
        Assert.Equal(0, stepBytes);
        Assert.Equal(0, predictionBytes);
    }

    [Fact]
    public void An_epoch_over_sixty_thousand_samples_triggers_no_gen0_collection()
    {
        const int samples = 60_000, features = 16, batch = 64;
        float[,] x = TestData.Normal<float>(samples, features, seed: 5);
        int[] labels = TestData.Labels(samples, 10, seed: 6);
        var network = new Network<float>(features, [new Dense(16, Activation.Relu), new Dense(10)], seed: 7);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), batch) { TrackLayerNorms = true };
        var random = new Xoshiro256StarStar(8);
        var order = new int[samples];
        MiniBatch.FillSequence(order);
        var miniBatch = new MiniBatchBuffer<float>(batch, features);

        void Epoch(int limit)
        {
            random.Shuffle<int>(order);
            for (int start = 0; start < limit; start += batch)
            {
                miniBatch.Gather(x, labels, order.AsSpan(start, Math.Min(batch, limit - start)));
                trainer.Step(miniBatch.Features, miniBatch.Labels);
            }
        }

        SteadyState.AllocatedBytes(_ => Epoch(1_000), calls: 1); // warm-up, including a partial last batch
        int collections = GC.CollectionCount(0);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Epoch(samples);
        int gen0 = GC.CollectionCount(0) - collections;
        long bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;

        output.WriteLine($"epoch of {samples} samples ({trainer.StepCount} steps in all): {gen0} gen-0 collections, {bytes} B allocated");
        Assert.Equal(0, gen0);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Steps_that_share_their_products_with_a_worker_pool_allocate_nothing()
    {
        // Big enough that every layer's products take the pool's parallel path.
        float[,] x = TestData.Normal<float>(64, 784, seed: 5);
        int[] labels = TestData.Labels(64, 10, seed: 6);
        var network = new Network<float>(784, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 3);
        using var pool = new WorkerPool(2);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(1e-4), 64) { Pool = pool };
        // The calling thread only: a process-wide count also catches the runtime's own background threads (tiered JIT,
        // other tests' finishing threads), which made it unreliable inside the full suite.
        long allocated = SteadyState.AllocatedBytes(_ => trainer.Step(x, labels), calls: 200);
        output.WriteLine("200 pooled steps allocated " + allocated + " bytes");
        Assert.Equal(0, allocated);
    }
}
