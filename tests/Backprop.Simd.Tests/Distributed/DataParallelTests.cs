using Backprop.Simd.Data;
using Backprop.Simd.Distributed;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Training;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Distributed;

/// <summary>
/// Data-parallel training on ranks that are threads (<see cref="InProcessCommunicator"/>): N ranks train what one
/// process trains on the same global batches, every rank ends with the same parameters, and the step allocates
/// nothing. The same code over MPI is run by MpiTrainingTests.
/// </summary>
[Collection(nameof(AllocationMeasurements))]
public sealed class DataParallelTests(ITestOutputHelper output)
{
    private static readonly Dataset Digits = Datasets.Digits();
    private static readonly GradientReduction[] Reductions =
        [GradientReduction.ShardedOptimizer, GradientReduction.AllReduce, GradientReduction.OverlappedAllReduce];

    /// <summary>Records every step's loss.</summary>
    private sealed class LossRecorder : IFitCallback
    {
        public List<double> Losses { get; } = new(capacity: 4096); // sized up front: growing it would allocate mid-run

        public FitAction OnStep(in StepReport step)
        {
            Losses.Add(step.Loss);
            return FitAction.Continue;
        }

        public FitAction OnEpoch(EpochMetrics metrics) => FitAction.Continue;
    }

    private sealed record Run(float[] Parameters, double[] Losses, FitResult Result, float[] FirstMoment, long Steps);

    private static float[] DigitFeatures()
    {
        var features = new float[Digits.SampleCount * Digits.FeatureCount];
        for (int row = 0; row < Digits.SampleCount; row++)
            Digits.Features.GetRowSpan(row).CopyTo(features.AsSpan(row * Digits.FeatureCount));
        return features;
    }

    private static Trainer<float> NewTrainer(int batch, OptimizerSettings? optimizer = null, double? clip = null) =>
        new(new Network<float>(Digits.FeatureCount, [new Dense(32, Activation.Relu), new Dense(16, Activation.Tanh), new Dense(Digits.ClassCount)], seed: 3),
            Loss.CrossEntropy(), optimizer ?? OptimizerSettings.Adam(2e-3), batch)
        {
            MaxGradientNorm = clip,
            Schedule = LearningRateSchedule.CosineAnnealing(150, 1e-4),
        };

    private static Run Train(FitData<float> data, int batch, int epochs, DataParallel? parallel, Trainer<float>? trainer = null)
    {
        trainer ??= NewTrainer(batch);
        var loop = new FitLoop<float>(trainer, data, options: new FitOptions
        {
            Epochs = epochs, BatchSize = batch, Seed = 11, DataParallel = parallel,
        });
        var recorder = new LossRecorder();
        FitResult result = loop.Run(ref recorder);
        float[] moment = trainer.Optimizer.BufferCount > 0 ? trainer.Optimizer.Buffer(0).ToArray() : [];
        return new Run(trainer.Network.Parameters.ToArray(), [.. recorder.Losses], result, moment, trainer.StepCount);
    }

    private static Run[] TrainOnRanks(int ranks, FitData<float> data, int batch, int epochs, GradientReduction reduction,
        Func<int, Trainer<float>>? newTrainer = null) =>
        InProcessCommunicator.RunOnEveryRank(ranks, communicator =>
            Train(data, batch, epochs, new DataParallel(communicator) { Reduction = reduction }, newTrainer?.Invoke(communicator.Rank)));

    [Theory]
    [InlineData(GradientReduction.ShardedOptimizer)]
    [InlineData(GradientReduction.AllReduce)]
    [InlineData(GradientReduction.OverlappedAllReduce)]
    public void One_rank_trains_bit_identically_to_one_process(GradientReduction reduction)
    {
        FitData<float> data = FitData.From(Digits);
        Run alone = Train(data, 50, 2, parallel: null);
        Run single = TrainOnRanks(1, data, 50, 2, reduction)[0];
        Assert.Equal(alone.Losses, single.Losses);
        Assert.Equal(alone.Parameters, single.Parameters);
        Assert.Equal(alone.FirstMoment, single.FirstMoment);
    }

    [Theory]
    [InlineData(2, GradientReduction.ShardedOptimizer)]
    [InlineData(2, GradientReduction.AllReduce)]
    [InlineData(2, GradientReduction.OverlappedAllReduce)]
    [InlineData(3, GradientReduction.ShardedOptimizer)]
    public void N_ranks_follow_one_process_within_1e_5_per_step_for_over_100_steps(int ranks, GradientReduction reduction)
    {
        // 1797 rows in batches of 50: 36 steps per epoch, the last one 47 rows; 3 epochs make 108 steps.
        FitData<float> data = FitData.From(Digits);
        Run alone = Train(data, 50, 3, parallel: null);
        Run[] runs = TrainOnRanks(ranks, data, 50, 3, reduction);
        Assert.Equal(108, alone.Losses.Length);
        double worst = 0;
        int where = -1;
        for (int i = 0; i < alone.Losses.Length; i++)
        {
            double relative = Math.Abs(runs[0].Losses[i] - alone.Losses[i]) / Math.Abs(alone.Losses[i]);
            if (relative > worst) (worst, where) = (relative, i);
        }
        output.WriteLine($"{ranks} ranks, {reduction}: largest relative loss difference {worst:E2} at step {where + 1}");
        Assert.True(worst <= 1e-5, $"step {where + 1}: relative difference {worst:E2}");
        Assert.All(runs, run => Assert.Equal(runs[0].Parameters, run.Parameters));
        Assert.All(runs, run => Assert.Equal(runs[0].FirstMoment, run.FirstMoment)); // gathered whole after the run
        Assert.All(runs, run => Assert.Equal(alone.Steps, run.Steps));
        Assert.Equal(alone.Result.History[^1].TrainAccuracy, runs[0].Result.History[^1].TrainAccuracy, 3);
    }

    [Fact]
    public void The_same_ranks_and_seed_give_the_same_bits_run_after_run()
    {
        FitData<float> data = FitData.From(Digits);
        Run[] first = TrainOnRanks(2, data, 64, 2, GradientReduction.ShardedOptimizer);
        Run[] second = TrainOnRanks(2, data, 64, 2, GradientReduction.ShardedOptimizer);
        Assert.Equal(first[0].Losses, second[0].Losses);
        Assert.Equal(first[0].Parameters, second[0].Parameters);
    }

    [Theory]
    [InlineData(GradientReduction.ShardedOptimizer)]
    [InlineData(GradientReduction.AllReduce)]
    public void Sample_and_class_weights_clipping_and_a_rank_without_rows_match_one_process(GradientReduction reduction)
    {
        // 3 ranks and batches of 2 on 301 rows: every step leaves one rank without rows, and the last batch has 1 row.
        const int rows = 301, batch = 2;
        var weights = new float[rows];
        for (int i = 0; i < rows; i++) weights[i] = 0.25f + i % 4;
        var data = new FitData<float>(new ReadOnlyMemory2D<float>(DigitFeatures(), rows, Digits.FeatureCount),
            Digits.Labels[..rows].ToArray(), weights);
        float[] classWeights = [1, 2, 0.5f, 1, 1, 3, 1, 1, 0.25f, 1];
        Trainer<float> NewWeighted()
        {
            Trainer<float> trainer = NewTrainer(batch, OptimizerSettings.Sgd(0.05, momentum: 0.9), clip: 0.5);
            trainer.SetClassWeights(classWeights);
            return trainer;
        }
        Run alone = Train(data, batch, 1, parallel: null, NewWeighted());
        Run[] runs = TrainOnRanks(3, data, batch, 1, reduction, _ => NewWeighted());
        for (int i = 0; i < alone.Losses.Length; i++)
            Assert.True(Math.Abs(runs[0].Losses[i] - alone.Losses[i]) <= 1e-5 * Math.Abs(alone.Losses[i]),
                $"step {i + 1}: {runs[0].Losses[i]} against {alone.Losses[i]}");
        Assert.All(runs, run => Assert.Equal(runs[0].Parameters, run.Parameters));
    }

    [Fact]
    public void Cancellation_on_one_rank_stops_every_rank_after_the_same_step()
    {
        FitData<float> data = FitData.From(Digits);
        var stopped = InProcessCommunicator.RunOnEveryRank(2, communicator =>
        {
            Trainer<float> trainer = NewTrainer(40);
            var loop = new FitLoop<float>(trainer, data, options: new FitOptions
            {
                Epochs = 3, BatchSize = 40, Seed = 1, DataParallel = new DataParallel(communicator),
            });
            using var source = new CancellationTokenSource();
            var cancel = new CancelOnRankAt(source, communicator.Rank == 1 ? 5 : -1);
            FitResult result = loop.Run(ref cancel, source.Token);
            return (result.StopReason, loop.CompletedEpochs, loop.StepsIntoEpoch, trainer.StepCount);
        });
        // Rank 1 cancels after step 5 has been reduced; the wish travels with step 6's reduction, after which every
        // rank stops: 45 steps of epoch 1 and 6 of epoch 2.
        Assert.All(stopped, s => Assert.Equal((FitStopReason.Cancelled, 1, 6, 51L), s));
    }

    /// <summary>Cancels its source after the given step of epoch 2 (never when the step is −1).</summary>
    private readonly struct CancelOnRankAt(CancellationTokenSource source, int step) : IFitCallback
    {
        public FitAction OnStep(in StepReport report)
        {
            if (report.Epoch == 2 && report.StepInEpoch == step) source.Cancel();
            return FitAction.Continue;
        }

        public FitAction OnEpoch(EpochMetrics metrics) => FitAction.Continue;
    }

    [Fact]
    public void A_non_finite_input_on_one_rank_makes_every_rank_throw()
    {
        float[] features = DigitFeatures();
        features[7 * Digits.FeatureCount + 3] = float.NaN;
        var data = new FitData<float>(new ReadOnlyMemory2D<float>(features, Digits.SampleCount, Digits.FeatureCount), Digits.Labels.ToArray());
        var outcomes = InProcessCommunicator.RunOnEveryRank(2, communicator =>
        {
            var loop = new FitLoop<float>(NewTrainer(100), data, options: new FitOptions
            {
                Epochs = 1, BatchSize = 100, Seed = 1, DataParallel = new DataParallel(communicator),
            });
            try
            {
                loop.Run();
                return "trained";
            }
            catch (NonFiniteTrainingException exception)
            {
                return "threw at step " + exception.Step;
            }
        });
        Assert.StartsWith("threw", outcomes[0]);
        Assert.Equal(outcomes[0], outcomes[1]);
    }

    [Fact]
    public void Steady_state_data_parallel_epochs_allocate_nothing_on_any_rank()
    {
        FitData<float> data = FitData.From(Digits);
        foreach (GradientReduction reduction in Reductions)
        {
            long[][] bytes = InProcessCommunicator.RunOnEveryRank(2, communicator =>
            {
                // Warm up until an epoch after the first allocated nothing on every rank, three runs in a row and for
                // at least SteadyState's 300 ms (tiering and on-stack replacement settle in their own time, later when
                // other tests keep the JIT busy; see SteadyState), deciding together so that every rank runs the same
                // collectives.
                var settled = new double[1];
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int round = 0, quiet = 0; round < 600 && (quiet < 3 || clock.ElapsedMilliseconds < 300); round++)
                {
                    FitResult warm = Train(data, 64, 4, new DataParallel(communicator) { Reduction = reduction }).Result;
                    settled[0] = warm.History.Skip(1).All(m => m.AllocatedBytes == 0) && clock.ElapsedMilliseconds >= 300 ? 0 : 1;
                    communicator.AllReduceSum<double>(settled);
                    quiet = settled[0] == 0 ? quiet + 1 : 0;
                }
                Run run = Train(data, 64, 4, new DataParallel(communicator) { Reduction = reduction });
                return run.Result.History.Skip(1).Select(m => m.AllocatedBytes).ToArray();
            });
            output.WriteLine($"{reduction}: {string.Join(" ", bytes.Select(b => string.Join(",", b)))} B per epoch after the first");
            Assert.All(bytes, rank => Assert.All(rank, b => Assert.Equal(0, b)));
        }
    }

    [Fact]
    public void Layer_norms_cannot_be_tracked_across_ranks()
    {
        var communicator = InProcessCommunicator.CreateGroup(1)[0];
        var exception = Assert.Throws<ArgumentException>(() => new FitLoop<float>(NewTrainer(8), FitData.From(Digits), options: new FitOptions
        {
            TrackLayerNorms = true, DataParallel = new DataParallel(communicator),
        }));
        Assert.Contains("TrackLayerNorms", exception.Message);
    }

    [Theory]
    [InlineData(128, 2, new[] { 0, 64, 64, 64 })]
    [InlineData(2, 3, new[] { 0, 0, 0, 1, 1, 1 })]
    [InlineData(10, 4, new[] { 0, 2, 2, 3, 5, 2, 7, 3 })]
    public void Ranks_take_consecutive_shares_of_a_batch_in_rank_order(int rows, int size, int[] expected)
    {
        InProcessCommunicator[] group = InProcessCommunicator.CreateGroup(size);
        for (int r = 0; r < size; r++)
        {
            (int start, int count) = new DataParallel(group[r]).Share(rows);
            Assert.Equal((expected[2 * r], expected[2 * r + 1]), (start, count));
        }
    }
}
