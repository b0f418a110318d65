using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

/// <summary>Issue 14, item 5: an update that overflows a parameter (finite loss and gradients) is caught in its own pass.</summary>
public class ParameterOverflowTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_update_that_overflows_a_parameter_throws_naming_the_parameters(bool pooled)
    {
        // lr 1e38 is finite and valid; times a gradient above 4 it overflows float to infinity.
        var network = new Network<float>(300, [new Dense(256, Activation.Relu), new Dense(2)], seed: 2);
        using var pool = pooled ? new WorkerPool(2) : null;
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(learningRate: 1e38), maxBatch: 1) { Pool = pool };
        var inputs = new float[1, 300];
        for (int i = 0; i < 300; i++) inputs[0, i] = 5;
        var error = Assert.Throws<NonFiniteTrainingException>(() => trainer.Step(inputs, [1]));
        Assert.Equal(NonFiniteQuantity.Parameters, error.Quantity);
        Assert.InRange(error.Layer, 0, 1);
        Assert.Contains("update", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinary_updates_pass_the_check()
    {
        var network = new Network<float>(3, [new Dense(4, Activation.Relu), new Dense(2)], seed: 1);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(learningRate: 0.1), maxBatch: 2);
        for (int i = 0; i < 100; i++) trainer.Step(new float[,] { { 1, 0, 2 }, { 0, 1, -1 } }, [0, 1]);
        Assert.Equal(100, trainer.StepCount);
    }
}

/// <summary>Issue 14, item 5: steps skipped under <see cref="NonFinitePolicy.SkipStep"/> are counted per epoch.</summary>
public class SkippedStepReportTests
{
    [Fact]
    public void An_epoch_reports_how_many_of_its_steps_were_skipped()
    {
        var network = new Network<float>(2, [new Dense(3, Activation.Relu), new Dense(2)], seed: 1);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 2)
        {
            NonFinitePolicy = NonFinitePolicy.SkipStep,
        };
        // Every other row holds an infinity: with batch 2 every step meets one.
        var features = new float[6, 2];
        for (int r = 0; r < 6; r += 2) features[r, 0] = float.PositiveInfinity;
        var data = new FitData<float>(features, new[] { 0, 1, 0, 1, 0, 1 });
        var loop = new FitLoop<float>(trainer, data, null, new FitOptions { Epochs = 1, BatchSize = 2, Seed = 1, Shuffle = false });
        FitResult result = loop.Run();
        Assert.Equal(3, result.History[0].Steps);
        Assert.Equal(3, result.History[0].SkippedSteps);
    }
}
