using Backprop.Simd.Model;
using Backprop.Simd.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Training;

[Collection(nameof(AllocationMeasurements))]
public class FitAllocationTests(ITestOutputHelper output)
{
    /// <summary>A struct callback that does real work per step, as a progress counter would.</summary>
    private struct StepCounter : IFitCallback
    {
        public long Steps;
        public double LastLoss;

        public FitAction OnStep(in StepReport step)
        {
            Steps++;
            LastLoss = step.Loss;
            return FitAction.Continue;
        }

        public readonly FitAction OnEpoch(EpochMetrics metrics) => FitAction.Continue;
    }

    [Fact]
    public void After_the_first_epoch_the_training_loop_allocates_nothing_with_norms_validation_and_a_step_callback()
    {
        const int samples = 1000, features = 16, classes = 10;
        var training = new FitData<float>(TestData.Normal<float>(samples, features, 2), TestData.Labels(samples, classes, 3));
        var validation = new FitData<float>(TestData.Normal<float>(100, features, 4), TestData.Labels(100, classes, 5));
        FitLoop<float> NewLoop()
        {
            var network = new Network<float>(features, [new Dense(32, Activation.Relu), new Dense(classes)], seed: 1);
            var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), 32);
            return new FitLoop<float>(trainer, training, validation, new FitOptions
            {
                Epochs = 6, BatchSize = 30, Seed = 6, TrackLayerNorms = true, // 1000 = 33·30 + 10: a partial last batch
                EarlyStopping = new EarlyStopping(FitMetric.ValidationAccuracy, Patience: 100),
            });
        }

        // Twins run first until the runtime's one-off work is done (see SteadyState); then the measured run.
        SteadyState.WarmUp(() =>
        {
            var twinCounter = new StepCounter();
            return NewLoop().Run(ref twinCounter).History[^1].AllocatedBytes == 0;
        });
        var counter = new StepCounter();
        FitResult result = NewLoop().Run(ref counter);

        foreach (EpochMetrics m in result.History)
            output.WriteLine($"epoch {m.Epoch}: {m.AllocatedBytes} B, {m.Gen0Collections} gen-0, {m.SamplesPerSecond:F0} samples/s");
        Assert.Equal(6 * 34, counter.Steps);
        Assert.All(result.History.Skip(1), m => Assert.Equal(0, m.AllocatedBytes));
        Assert.All(result.History.Skip(1), m => Assert.Equal(0, m.Gen0Collections));
    }

    [Theory]
    [InlineData(OptimizerKind.Rprop)]
    [InlineData(OptimizerKind.IRpropPlus)]
    public void Full_batch_rprop_epochs_allocate_nothing_after_the_first(OptimizerKind kind)
    {
        OptimizerSettings settings = kind == OptimizerKind.Rprop ? OptimizerSettings.Rprop() : OptimizerSettings.IRpropPlus();
        var data = new FitData<float>(TestData.Normal<float>(200, 8, 2), TestData.Labels(200, 3, 3));
        FitResult Fit()
        {
            var network = new Network<float>(8, [new Dense(16, Activation.Tanh), new Dense(3)], seed: 1);
            var trainer = new Trainer<float>(network, Loss.CrossEntropy(), settings, maxBatch: 200);
            return new FitLoop<float>(trainer, data, options: new FitOptions { Epochs = 20 }).Run();
        }

        SteadyState.WarmUp(() => Fit().History[^1].AllocatedBytes == 0); // twins first, as above
        FitResult result = Fit();

        output.WriteLine($"{kind}: loss {result.History[0].TrainLoss:F4} → {result.History[^1].TrainLoss:F4}");
        Assert.All(result.History.Skip(1), m => Assert.Equal(0, m.AllocatedBytes));
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
    }
}
