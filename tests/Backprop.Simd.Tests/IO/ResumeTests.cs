using System.Numerics;
using Backprop.Simd.Data;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// Train N epochs, save a checkpoint with optimizer, RNG and counters to a native file, load it into a fresh trainer
/// and train M more: every parameter, optimizer buffer and counter is bit-identical to training N + M epochs without
/// stopping (same seed, same data order).
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private const int Batch = 64, EpochsBefore = 2, EpochsAfter = 2;
    private const ulong ShuffleSeed = 2024;
    private static readonly Dataset Digits = Datasets.Digits();
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Optimizers => [.. Configurations.Keys];

    private static readonly Dictionary<string, (OptimizerSettings Optimizer, Loss Loss, LearningRateSchedule Schedule, double? Clip)> Configurations = new()
    {
        ["SGD with momentum"] = (OptimizerSettings.Sgd(0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4), Loss.CrossEntropy(), default, null),
        ["SGD Nesterov, step decay, clipping"] = (OptimizerSettings.Sgd(0.05, momentum: 0.9, nesterov: true),
            Loss.CrossEntropy(0.1), LearningRateSchedule.StepDecay(40, 0.5), 1.0),
        ["Adam"] = (OptimizerSettings.Adam(2e-3, weightDecay: 1e-4), Loss.CrossEntropy(), default, null),
        ["AdamW, cosine with warm-up"] = (OptimizerSettings.AdamW(2e-3),
            Loss.CrossEntropy(0.05), LearningRateSchedule.CosineAnnealing(300, 1e-5).WithLinearWarmup(20), 5.0),
        ["RMSprop centred with momentum"] = (OptimizerSettings.RmsProp(1e-3, momentum: 0.5, centered: true), Loss.CrossEntropy(), default, null),
        ["iRprop+ (backtracking reads the previous loss)"] = (OptimizerSettings.IRpropPlus(1e-3), Loss.CrossEntropy(), default, null),
        ["Adagrad"] = (OptimizerSettings.Adagrad(0.05, learningRateDecay: 1e-3, initialAccumulatorValue: 0.1), Loss.CrossEntropy(), default, null),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Training_resumed_from_a_native_checkpoint_is_bit_identical_to_training_without_a_stop(string optimizer)
    {
        var (settings, loss, schedule, clip) = Configurations[optimizer];
        AssertResumeIsExact(Digits.Features, settings, loss, schedule, clip);
    }

    [Fact]
    public void Resume_is_bit_identical_in_double_precision_with_adam()
    {
        ReadOnlySpan2D<float> single = Digits.Features;
        var features = new double[single.Height, single.Width];
        for (int r = 0; r < single.Height; r++)
        {
            for (int c = 0; c < single.Width; c++) features[r, c] = single[r, c];
        }
        AssertResumeIsExact<double>(features, OptimizerSettings.Adam(2e-3), Loss.CrossEntropy(), default, null);
    }

    [Fact]
    public void Class_weights_are_saved_and_resumed_exactly()
    {
        double[] weights = [1, 2.5, 0.5, 1, 1, 3, 1, 0, 1, 1.25];
        AssertResumeIsExact(Digits.Features, OptimizerSettings.Adam(2e-3), Loss.CrossEntropy(0.1), default, null, weights);
    }

    [Fact]
    public void The_generator_state_continues_the_stream_exactly_including_a_pending_normal_sample()
    {
        var original = new Xoshiro256StarStar(99);
        original.NextNormal(); // leaves the pair's second sample pending
        var copy = new Xoshiro256StarStar(Xoshiro256StarStarState.FromWords(original.State.ToWords()));
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(original.NextNormal(), copy.NextNormal());
            Assert.Equal(original.NextUInt64(), copy.NextUInt64());
        }
    }

    [Fact]
    public void A_generator_state_of_the_wrong_length_zero_words_or_a_bad_flag_is_rejected()
    {
        Assert.Throws<ArgumentException>("words", () => Xoshiro256StarStarState.FromWords([1, 2, 3, 4]));
        Assert.Throws<ArgumentException>("words", () => Xoshiro256StarStarState.FromWords([0, 0, 0, 0, 0, 0]));
        Assert.Throws<ArgumentException>("words", () => Xoshiro256StarStarState.FromWords([1, 2, 3, 4, 2, 0]));
    }

    private void AssertResumeIsExact<T>(ReadOnlySpan2D<T> features, OptimizerSettings settings, Loss loss,
        LearningRateSchedule schedule, double? clip, double[]? classWeights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<int> labels = Digits.Labels;
        Dense[] layers = [new(24, Activation.Relu), new(16, Activation.Tanh), new(Digits.ClassCount)];
        var metadata = new Dictionary<string, string> { ["classes"] = string.Join(",", Digits.ClassNames) };

        Trainer<T> uninterrupted = NewTrainer<T>(layers, loss, settings, schedule, clip, classWeights);
        var uninterruptedRandom = new Xoshiro256StarStar(ShuffleSeed);
        int[] uninterruptedOrder = new int[labels.Length];
        for (int epoch = 0; epoch < EpochsBefore + EpochsAfter; epoch++)
            TrainEpoch(uninterrupted, uninterruptedRandom, uninterruptedOrder, features, labels);

        Trainer<T> first = NewTrainer<T>(layers, loss, settings, schedule, clip, classWeights);
        var firstRandom = new Xoshiro256StarStar(ShuffleSeed);
        int[] firstOrder = new int[labels.Length];
        for (int epoch = 0; epoch < EpochsBefore; epoch++) TrainEpoch(first, firstRandom, firstOrder, features, labels);
        string path = Path.Combine(_folder, "checkpoint.bpm");
        ModelMapping.Save(path, first, EpochsBefore, first.StepCount, firstRandom.State.ToWords(), metadata);

        ModelDescription<T> saved = NativeModelFormat.Load<T>(path);
        Trainer<T> resumed = ModelMapping.CreateTrainer(saved, Batch);
        var resumedRandom = new Xoshiro256StarStar(Xoshiro256StarStarState.FromWords([.. saved.RngState]));
        int[] resumedOrder = new int[labels.Length];
        Assert.Equal(metadata, saved.Metadata);
        Assert.Equal(EpochsBefore, saved.Epoch);
        Assert.Equal(first.StepCount, resumed.StepCount);
        Assert.Equal(settings, resumed.Optimizer.Settings);
        Assert.Equal(loss, resumed.Loss);
        Assert.Equal(schedule, resumed.Schedule);
        Assert.Equal(clip, resumed.MaxGradientNorm);
        Assert.Equal(first.ClassWeights.ToArray(), resumed.ClassWeights.ToArray());
        for (long epoch = saved.Epoch; epoch < EpochsBefore + EpochsAfter; epoch++)
            TrainEpoch(resumed, resumedRandom, resumedOrder, features, labels);

        Assert.Equal(uninterrupted.StepCount, resumed.StepCount);
        AssertBitIdentical("parameters", uninterrupted.Network.Parameters, resumed.Network.Parameters);
        for (int i = 0; i < uninterrupted.Optimizer.BufferCount; i++)
            AssertBitIdentical(uninterrupted.Optimizer.BufferName(i), uninterrupted.Optimizer.Buffer(i), resumed.Optimizer.Buffer(i));
        Assert.Equal(uninterruptedRandom.State, resumedRandom.State);
    }

    private static Trainer<T> NewTrainer<T>(Dense[] layers, Loss loss, OptimizerSettings settings,
        LearningRateSchedule schedule, double? clip, double[]? classWeights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trainer = new Trainer<T>(new Network<T>(Digits.FeatureCount, layers, seed: 7), loss, settings, Batch)
        {
            Schedule = schedule,
            MaxGradientNorm = clip,
        };
        if (classWeights is not null) trainer.SetClassWeights(Array.ConvertAll(classWeights, T.CreateTruncating));
        return trainer;
    }

    private static void TrainEpoch<T>(Trainer<T> trainer, Xoshiro256StarStar random, int[] order,
        ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Each epoch shuffles the identity order afresh, so the generator's state alone determines the data order.
        MiniBatch.FillSequence(order);
        random.Shuffle(order.AsSpan());
        var featureBatch = new T[Batch, features.Width];
        var labelBatch = new int[Batch];
        for (int start = 0; start < order.Length; start += Batch)
        {
            int rows = Math.Min(Batch, order.Length - start);
            var batchFeatures = new Span2D<T>(featureBatch, 0, 0, rows, features.Width);
            MiniBatch.Gather(features, labels, order.AsSpan(start, rows), batchFeatures, labelBatch);
            trainer.Step(batchFeatures, labelBatch.AsSpan(0, rows));
        }
    }

    private static void AssertBitIdentical<T>(string what, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        int differences = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]) || T.IsNegative(expected[i]) != T.IsNegative(actual[i]))
            {
                if (first < 0) first = i;
                differences++;
            }
        }
        Assert.True(differences == 0,
            $"{what}: {differences} of {expected.Length} elements differ; the first at {first}: {(first < 0 ? default : expected[first])} vs {(first < 0 ? default : actual[first])}.");
    }
}
