using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

public class DeterminismTests
{
    private static float[] TrainFromScratch(ulong seed, int steps)
    {
        const int samples = 100, batch = 10;
        float[,] x = TestData.Normal<float>(samples, 6, seed: 1);
        int[] labels = TestData.Labels(samples, 3, seed: 2);
        var network = new Network<float>(6, [new Dense(12, Activation.Silu), new Dense(3)], seed, Initialization.KaimingNormal());
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.AdamW(0.01), batch)
        {
            MaxGradientNorm = 0.5,
            Schedule = LearningRateSchedule.CosineAnnealing(steps).WithLinearWarmup(5),
        };
        var random = new Xoshiro256StarStar(seed);
        var order = new int[samples];
        MiniBatch.FillSequence(order);
        var miniBatch = new MiniBatchBuffer<float>(batch, 6);
        for (int step = 0; step < steps; step++)
        {
            if (step % (samples / batch) == 0) random.Shuffle<int>(order);
            miniBatch.Gather(x, labels, order.AsSpan(step % (samples / batch) * batch, batch));
            trainer.Step(miniBatch.Features, miniBatch.Labels);
        }
        return network.Parameters.ToArray();
    }

    [Fact]
    public void Same_seed_data_and_settings_give_bit_identical_parameters_after_training()
    {
        float[] first = TrainFromScratch(seed: 42, steps: 200);
        float[] second = TrainFromScratch(seed: 42, steps: 200);
        float[] other = TrainFromScratch(seed: 43, steps: 200);

        int firstDifference = first.AsSpan().CommonPrefixLength(second);
        Assert.True(firstDifference == first.Length,
            $"parameter {firstDifference} differs: {first.ElementAtOrDefault(firstDifference):R} vs {second.ElementAtOrDefault(firstDifference):R}");
        Assert.False(first.AsSpan().SequenceEqual(other));
    }

    [Fact]
    public void Double_precision_runs_the_same_generic_code()
    {
        var network = new Network<double>(4, [new Dense(5, Activation.Tanh), new Dense(1)], seed: 1);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(0.05, momentum: 0.9), 8);
        double[,] x = TestData.Normal<double>(8, 4, seed: 2);
        var targets = new double[8, 1];
        for (int r = 0; r < 8; r++) targets[r, 0] = x[r, 0] - 0.5 * x[r, 3];
        double first = trainer.Step(x, targets), last = first;
        for (int i = 0; i < 200; i++) last = trainer.Step(x, targets);
        Assert.True(last < first / 20, $"loss went from {first} to {last}");
    }

    [Theory]
    [MemberData(nameof(ZeroAllocationTests.Optimizers), MemberType = typeof(ZeroAllocationTests))]
    public void Training_on_any_number_of_threads_gives_bit_identical_parameters(OptimizerKind kind)
    {
        // Products and optimizer steps of this size are split between the pool's threads, so every thread count takes
        // the parallel path.
        float[] Train(int threads)
        {
            float[,] x = TestData.Normal<float>(64, 784, seed: 5);
            int[] labels = TestData.Labels(64, 10, seed: 6);
            var network = new Network<float>(784, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 3);
            using WorkerPool? pool = threads > 1 ? new WorkerPool(threads) : null;
            var trainer = new Trainer<float>(network, Loss.CrossEntropy(), ZeroAllocationTests.Settings(kind), 64) { Pool = pool };
            for (int step = 0; step < 3; step++) trainer.Step(x, labels);
            return network.Parameters.ToArray();
        }

        float[] single = Train(1);
        foreach (int threads in new[] { 2, 3 })
        {
            float[] parallel = Train(threads);
            int same = single.AsSpan().CommonPrefixLength(parallel);
            Assert.True(same == single.Length, $"{kind}, {threads} threads: parameter {same} differs");
        }
    }
}
