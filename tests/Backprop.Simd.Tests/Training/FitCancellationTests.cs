using Backprop.Simd.Data;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

/// <summary>
/// A cancelled fit loop stops after the step in progress, keeps its place inside the epoch, and a checkpoint of that
/// place resumes bit-identically to a run that was never stopped.
/// </summary>
public sealed class FitCancellationTests : IDisposable
{
    private const int Batch = 64, Epochs = 3;
    private static readonly Dataset Digits = Datasets.Digits();
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-cancel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Cancels its source once the loop reports the given step of the given epoch.</summary>
    private readonly struct CancelAt(CancellationTokenSource source, int epoch, int step) : IFitCallback
    {
        public FitAction OnStep(in StepReport report)
        {
            if (report.Epoch == epoch && report.StepInEpoch == step) source.Cancel();
            return FitAction.Continue;
        }

        public FitAction OnEpoch(EpochMetrics metrics) => FitAction.Continue;
    }

    private static Trainer<float> NewTrainer() =>
        new(new Network<float>(Digits.FeatureCount, [new Dense(24, Activation.Relu), new Dense(Digits.ClassCount)], seed: 7),
            Loss.CrossEntropy(), OptimizerSettings.Adam(2e-3), Batch)
        {
            Schedule = LearningRateSchedule.CosineAnnealing(60, 1e-5),
        };

    private static FitOptions Options => new() { Epochs = Epochs, BatchSize = Batch, Seed = 5 };

    [Theory]
    [InlineData(2, 7)]
    [InlineData(1, 1)]
    public void A_run_cancelled_mid_epoch_resumes_from_its_checkpoint_bit_identically(int epoch, int step)
    {
        FitData<float> data = FitData.From(Digits);
        Trainer<float> uninterrupted = NewTrainer();
        new FitLoop<float>(uninterrupted, data, options: Options).Run();

        Trainer<float> first = NewTrainer();
        var firstLoop = new FitLoop<float>(first, data, options: Options);
        using var source = new CancellationTokenSource();
        var cancel = new CancelAt(source, epoch, step);
        FitResult stopped = firstLoop.Run(ref cancel, source.Token);
        Assert.Equal(FitStopReason.Cancelled, stopped.StopReason);
        Assert.Equal(epoch - 1, firstLoop.CompletedEpochs);
        Assert.Equal(step, firstLoop.StepsIntoEpoch);
        Assert.Equal(epoch - 1, stopped.History.Count);
        Assert.Equal((epoch - 1) * firstLoop.StepsPerEpoch + step, first.StepCount);

        string path = Path.Combine(_folder, "interrupted.bpm");
        ModelMapping.Save(path, first, firstLoop.CompletedEpochs, first.StepCount, firstLoop.ShuffleState.ToWords());
        ModelDescription<float> saved = NativeModelFormat.Load<float>(path);
        Trainer<float> resumed = ModelMapping.CreateTrainer(saved, Batch);
        var resumedLoop = new FitLoop<float>(resumed, data, options: Options);
        resumedLoop.ResumeAt((int)saved.Epoch, ModelMapping.GeneratorState(saved), firstLoop.StepsIntoEpoch);
        FitResult finished = resumedLoop.Run();

        Assert.Equal(FitStopReason.Completed, finished.StopReason);
        Assert.Equal(0, resumedLoop.StepsIntoEpoch);
        Assert.Equal(uninterrupted.StepCount, resumed.StepCount);
        Assert.Equal(uninterrupted.Network.Parameters.ToArray(), resumed.Network.Parameters.ToArray());
        for (int i = 0; i < uninterrupted.Optimizer.BufferCount; i++)
            Assert.Equal(uninterrupted.Optimizer.Buffer(i).ToArray(), resumed.Optimizer.Buffer(i).ToArray());
    }

    [Fact]
    public void Cancelled_at_an_epochs_last_step_the_epoch_completes_and_the_run_stops_at_its_boundary()
    {
        Trainer<float> trainer = NewTrainer();
        var loop = new FitLoop<float>(trainer, FitData.From(Digits), options: Options);
        using var source = new CancellationTokenSource();
        var cancel = new CancelAt(source, 1, loop.StepsPerEpoch);
        FitResult result = loop.Run(ref cancel, source.Token);
        Assert.Equal(FitStopReason.Cancelled, result.StopReason);
        Assert.Equal(1, loop.CompletedEpochs);
        Assert.Equal(0, loop.StepsIntoEpoch);
        Assert.Single(result.History);
    }

    [Fact]
    public void A_token_cancelled_before_the_run_trains_nothing()
    {
        Trainer<float> trainer = NewTrainer();
        float[] before = trainer.Network.Parameters.ToArray();
        var loop = new FitLoop<float>(trainer, FitData.From(Digits), options: Options);
        FitResult result = loop.Run(new CancellationToken(canceled: true));
        Assert.Equal(FitStopReason.Cancelled, result.StopReason);
        Assert.Equal(0, trainer.StepCount);
        Assert.Equal(before, trainer.Network.Parameters.ToArray());
    }

    [Fact]
    public void A_position_past_the_epochs_last_step_is_refused()
    {
        var loop = new FitLoop<float>(NewTrainer(), FitData.From(Digits), options: Options);
        var state = new Xoshiro256StarStar(1).State;
        Assert.Throws<ArgumentOutOfRangeException>("stepsIntoEpoch", () => loop.ResumeAt(0, state, loop.StepsPerEpoch));
        Assert.Throws<ArgumentOutOfRangeException>("stepsIntoEpoch", () => loop.ResumeAt(0, state, -1));
    }

    [Fact]
    public void A_cancelled_lbfgs_step_returns_before_its_next_iteration()
    {
        var trainer = new Trainer<double>(new Network<double>(4, [new Dense(5, Activation.Tanh), new Dense(3)], seed: 3),
            Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), 40);
        var data = new FitData<double>(TestData.Normal<double>(40, 4, 1), TestData.Labels(40, 3, 2));
        var lbfgs = new Lbfgs<double>(trainer, new LbfgsSettings { MaxIterations = 20 });
        LbfgsStepResult result = lbfgs.Step(data, new CancellationToken(canceled: true));
        Assert.Equal(LbfgsStopReason.Cancelled, result.StopReason);
        Assert.Equal(0, result.Iterations);
        Assert.Equal(result.InitialLoss, result.Loss);
    }
}
