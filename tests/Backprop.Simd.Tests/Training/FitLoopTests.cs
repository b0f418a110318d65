using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Tests.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Training;

public class FitLoopTests
{
    private const int Features = 6, Classes = 3;

    private static Network<double> SmallNetwork(ulong seed = 1) =>
        new(Features, [new Dense(8, Activation.Tanh), new Dense(Classes)], seed);

    private static FitData<double> Data(int rows, ulong seed) =>
        new(TestData.Normal<double>(rows, Features, seed), TestData.Labels(rows, Classes, seed + 100));

    /// <summary>Records every step and every epoch; allocates, so only for tests that do not measure allocation.</summary>
    private sealed class Recorder(Network<double> network, int stopAfterEpoch = int.MaxValue, int stopAfterStep = int.MaxValue) : IFitCallback
    {
        public List<StepReport> Steps { get; } = [];
        public List<double[]> ParametersAfterEpoch { get; } = [];

        public FitAction OnStep(in StepReport step)
        {
            Steps.Add(step);
            return step.StepInEpoch >= stopAfterStep ? FitAction.Stop : FitAction.Continue;
        }

        public FitAction OnEpoch(EpochMetrics metrics)
        {
            ParametersAfterEpoch.Add(network.Parameters.ToArray());
            return metrics.Epoch >= stopAfterEpoch ? FitAction.Stop : FitAction.Continue;
        }
    }

    [Fact]
    public void A_run_resumed_at_epoch_E_with_the_saved_shuffle_state_ends_bit_identical_to_an_uninterrupted_run()
    {
        FitData<double> data = Data(50, seed: 2);
        var options = new FitOptions { Epochs = 5, BatchSize = 8, Seed = 99 };

        var uninterrupted = new Trainer<double>(SmallNetwork(), Loss.CrossEntropy(), OptimizerSettings.Adam(0.01), 8);
        new FitLoop<double>(uninterrupted, data, options: options).Run();

        // First process: two epochs, then "save" parameters, optimizer state, epoch and shuffle state.
        var first = new Trainer<double>(SmallNetwork(), Loss.CrossEntropy(), OptimizerSettings.Adam(0.01), 8);
        var firstLoop = new FitLoop<double>(first, data, options: options with { Epochs = 2 });
        firstLoop.Run();
        (int epochs, Xoshiro256StarStarState shuffle) = (firstLoop.CompletedEpochs, firstLoop.ShuffleState);

        // Second process: a differently initialised network receives the saved state.
        var resumed = new Trainer<double>(SmallNetwork(seed: 77), Loss.CrossEntropy(), OptimizerSettings.Adam(0.01), 8);
        first.Network.Parameters.CopyTo(resumed.Network.Parameters);
        for (int i = 0; i < first.Optimizer.BufferCount; i++) first.Optimizer.Buffer(i).CopyTo(resumed.Optimizer.Buffer(i));
        resumed.Optimizer.StepCount = first.Optimizer.StepCount;
        var resumedLoop = new FitLoop<double>(resumed, data, options: options);
        resumedLoop.ResumeAt(epochs, shuffle);
        FitResult result = resumedLoop.Run();

        Assert.Equal([3, 4, 5], result.History.Select(m => m.Epoch));
        Assert.Equal(uninterrupted.StepCount, resumed.StepCount);
        HandCheckedNetworkTests.AssertClose(uninterrupted.Network.Parameters.ToArray(), resumed.Network.Parameters.ToArray(),
            "resumed parameter", tolerance: 0);
    }

    [Fact]
    public void Epoch_metrics_are_the_row_weighted_mean_of_step_losses_and_the_accuracy_of_each_steps_own_outputs()
    {
        FitData<double> training = Data(45, seed: 3), validation = Data(20, seed: 4);
        var network = SmallNetwork();
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), 16);
        var recorder = new Recorder(network);
        FitResult result = new FitLoop<double>(trainer, training, validation, new FitOptions { Epochs = 3, BatchSize = 16, Seed = 5 })
            .Run(ref recorder);

        Assert.Equal(FitStopReason.Completed, result.StopReason);
        Assert.Equal(3, result.History.Count);
        for (int e = 0; e < 3; e++)
        {
            EpochMetrics m = result.History[e];
            StepReport[] steps = recorder.Steps.Where(s => s.Epoch == e + 1).ToArray();
            Assert.Equal([16, 16, 13], steps.Select(s => s.Rows)); // 45 = 16 + 16 + 13
            Assert.Equal((e + 1, 3, 45), (m.Epoch, m.Steps, m.Samples));
            Assert.Equal(steps.Sum(s => s.Loss * s.Rows) / 45, m.TrainLoss, 14);
            Assert.InRange(m.TrainAccuracy, 0, 1);
            Assert.True(m.EpochSeconds > 0 && m.SamplesPerSecond > 0);
            Assert.Empty(m.WeightGradientNorms);
        }
        // The last validation measurement saw the final parameters.
        EvaluationResult final = Evaluation.Evaluate(trainer, validation);
        Assert.Equal(final.Loss, result.History[^1].ValidationLoss, 14);
        Assert.Equal(final.Accuracy, result.History[^1].ValidationAccuracy);
        Assert.Equal(9, trainer.StepCount);
    }

    [Fact]
    public void Training_accuracy_counts_the_steps_forward_outputs_without_another_pass()
    {
        // A learning rate of zero leaves the network unchanged, so the accuracy of each step's outputs must equal the
        // accuracy of the whole training set measured separately.
        FitData<double> training = Data(40, seed: 6);
        var trainer = new Trainer<double>(SmallNetwork(), Loss.CrossEntropy(), OptimizerSettings.Sgd(0), 16);
        EvaluationResult expected = Evaluation.Evaluate(trainer, training);
        FitResult result = new FitLoop<double>(trainer, training, options: new FitOptions { Epochs = 1 }).Run();
        Assert.Equal(expected.Accuracy, result.History[0].TrainAccuracy);
        Assert.Equal(expected.Loss, result.History[0].TrainLoss, 14);
        Assert.True(double.IsNaN(result.History[0].ValidationLoss) && double.IsNaN(result.History[0].ValidationAccuracy));
    }

    [Fact]
    public void An_epoch_callback_can_stop_training()
    {
        var network = SmallNetwork();
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), 8);
        var recorder = new Recorder(network, stopAfterEpoch: 2);
        FitResult result = new FitLoop<double>(trainer, Data(30, 7), options: new FitOptions { Epochs = 10, BatchSize = 8 })
            .Run(ref recorder);
        Assert.Equal(FitStopReason.Callback, result.StopReason);
        Assert.Equal(2, result.History.Count);
        Assert.Equal(8, trainer.StepCount);
    }

    [Fact]
    public void A_step_callback_can_stop_training_mid_epoch_and_the_partial_epoch_is_reported()
    {
        var network = SmallNetwork();
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), 8);
        var recorder = new Recorder(network, stopAfterStep: 2);
        FitResult result = new FitLoop<double>(trainer, Data(30, 7), options: new FitOptions { Epochs = 10, BatchSize = 8 })
            .Run(ref recorder);
        Assert.Equal(FitStopReason.Callback, result.StopReason);
        EpochMetrics only = Assert.Single(result.History);
        Assert.Equal((2, 16), (only.Steps, only.Samples));
        Assert.Equal(2, trainer.StepCount);
    }

    // Random labels on both sides: the network memorises the training rows, so the validation loss falls briefly and
    // then rises, and the best epoch is an early one.
    private static (Trainer<double> Trainer, FitLoop<double> Loop, Recorder Recorder) Overfitting(EarlyStopping stopping, int epochs)
    {
        var network = new Network<double>(Features, [new Dense(32, Activation.Tanh), new Dense(Classes)], seed: 8);
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(0.02), 10);
        var loop = new FitLoop<double>(trainer, Data(30, 9), Data(30, 10),
            new FitOptions { Epochs = epochs, BatchSize = 10, Seed = 11, EarlyStopping = stopping });
        return (trainer, loop, new Recorder(network));
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement_and_restores_the_best_epochs_weights_exactly()
    {
        (Trainer<double> trainer, FitLoop<double> loop, Recorder recorder) = Overfitting(new EarlyStopping(FitMetric.ValidationLoss, Patience: 3), 200);
        FitResult result = loop.Run(ref recorder);

        double[] losses = result.History.Select(m => m.ValidationLoss).ToArray();
        int best = Array.IndexOf(losses, losses.Min()) + 1;
        Assert.Equal(FitStopReason.EarlyStopping, result.StopReason);
        Assert.Equal(best, result.BestEpoch);
        Assert.Equal(best + 3, result.History.Count);
        HandCheckedNetworkTests.AssertClose(recorder.ParametersAfterEpoch[best - 1], trainer.Network.Parameters.ToArray(),
            "restored parameter", tolerance: 0);
    }

    [Fact]
    public void Best_weights_are_restored_even_when_training_runs_every_epoch()
    {
        (Trainer<double> trainer, FitLoop<double> loop, Recorder recorder) = Overfitting(new EarlyStopping(FitMetric.ValidationLoss, Patience: 1000), 15);
        FitResult result = loop.Run(ref recorder);

        double[] losses = result.History.Select(m => m.ValidationLoss).ToArray();
        int best = Array.IndexOf(losses, losses.Min()) + 1;
        Assert.Equal(FitStopReason.Completed, result.StopReason);
        Assert.True(best < 15, "the validation loss should have risen by the last epoch: " + string.Join(", ", losses));
        Assert.Equal(best, result.BestEpoch);
        HandCheckedNetworkTests.AssertClose(recorder.ParametersAfterEpoch[best - 1], trainer.Network.Parameters.ToArray(),
            "restored parameter", tolerance: 0);
    }

    [Fact]
    public void Min_delta_decides_what_counts_as_an_improvement()
    {
        var stopping = new EarlyStopping(FitMetric.ValidationLoss, MinDelta: 0.1);
        Assert.True(stopping.IsImprovement(1.0, double.NaN));
        Assert.True(stopping.IsImprovement(0.89, 1.0));
        Assert.False(stopping.IsImprovement(0.95, 1.0));
        Assert.False(stopping.IsImprovement(double.NaN, 1.0));
        var accuracy = new EarlyStopping(FitMetric.ValidationAccuracy, MinDelta: 0.01);
        Assert.True(accuracy.IsImprovement(0.92, 0.9));
        Assert.False(accuracy.IsImprovement(0.905, 0.9));
    }

    [Fact]
    public void Tracked_layer_norms_are_the_mean_over_the_epochs_steps()
    {
        var network = SmallNetwork();
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.05), 10);
        var norms = new NormRecorder(trainer);
        FitResult result = new FitLoop<double>(trainer, Data(35, 12), options: new FitOptions { Epochs = 2, BatchSize = 10, TrackLayerNorms = true })
            .Run(ref norms);
        for (int e = 0; e < 2; e++)
        {
            for (int l = 0; l < 2; l++)
            {
                Assert.Equal(norms.Weight.Where(s => s.Epoch == e + 1).Average(s => s.Norms[l]), result.History[e].WeightGradientNorms[l], 14);
                Assert.Equal(norms.Error.Where(s => s.Epoch == e + 1).Average(s => s.Norms[l]), result.History[e].ErrorNorms[l], 14);
            }
        }
    }

    private sealed class NormRecorder(Trainer<double> trainer) : IFitCallback
    {
        public List<(int Epoch, double[] Norms)> Weight { get; } = [];
        public List<(int Epoch, double[] Norms)> Error { get; } = [];

        public FitAction OnStep(in StepReport step)
        {
            Weight.Add((step.Epoch, trainer.WeightGradientNorms.ToArray()));
            Error.Add((step.Epoch, trainer.ErrorNorms.ToArray()));
            return FitAction.Continue;
        }

        public FitAction OnEpoch(EpochMetrics metrics) => FitAction.Continue;
    }

    [Fact]
    public void Targets_train_with_mean_squared_error_and_report_no_accuracy()
    {
        var network = new Network<double>(Features, [new Dense(5, Activation.Tanh), new Dense(2)], seed: 13);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(0.05), 8);
        var data = new FitData<double>(TestData.Normal<double>(20, Features, 14), new ReadOnlyMemory2D<double>(TestData.Normal<double>(20, 2, 15)));
        FitResult result = new FitLoop<double>(trainer, data, data, new FitOptions { Epochs = 30, BatchSize = 8 }).Run();
        Assert.True(double.IsNaN(result.History[0].TrainAccuracy) && double.IsNaN(result.History[0].ValidationAccuracy));
        Assert.True(result.History[^1].ValidationLoss < result.History[0].ValidationLoss);
    }

    [Fact]
    public void Bad_options_are_rejected_naming_the_option()
    {
        var trainer = new Trainer<double>(SmallNetwork(), Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), 8);
        FitData<double> data = Data(10, 16);
        Assert.Equal("options.BatchSize", Assert.Throws<ArgumentOutOfRangeException>(
            () => new FitLoop<double>(trainer, data, options: new FitOptions { BatchSize = 9 })).ParamName);
        Assert.Throws<ArgumentException>(() => new FitLoop<double>(trainer, data,
            options: new FitOptions { EarlyStopping = new EarlyStopping(FitMetric.ValidationLoss) }));
        Assert.Throws<ArgumentException>(() => new FitLoop<double>(trainer,
            new FitData<double>(TestData.Normal<double>(10, Features + 1, 1), TestData.Labels(10, Classes, 1))));
        Assert.Throws<ArgumentException>(() => new FitData<double>(new double[3, Features], new int[2]));
    }

    [Fact]
    public void A_restored_generator_state_continues_the_stream_exactly()
    {
        var random = new Xoshiro256StarStar(21);
        random.NextNormal(); // leaves a spare Box–Muller sample in the state
        Xoshiro256StarStarState state = random.State;
        double[] expected = [random.NextNormal(), random.NextDouble(), random.NextInt32(1000)];
        var restored = new Xoshiro256StarStar(state);
        double[] actual = [restored.NextNormal(), restored.NextDouble(), restored.NextInt32(1000)];
        Assert.Equal(expected, actual);
        Assert.Throws<ArgumentException>(() => new Xoshiro256StarStar(default(Xoshiro256StarStarState)));
    }
}
