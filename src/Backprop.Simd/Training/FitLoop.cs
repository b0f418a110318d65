using System.Diagnostics;
using System.Numerics;
using Backprop.Simd.Distributed;
using Backprop.Simd.Randomness;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>
/// Trains a <see cref="Trainer{T}"/> epoch by epoch: each epoch visits the training rows in a fresh shuffled order in
/// mini-batches, then measures the validation set, records an <see cref="EpochMetrics"/> in <see cref="History"/>,
/// applies early stopping and calls the callback. Every buffer (index order, mini-batch, best-weights copy) is
/// allocated here, so after the first epoch the training loop allocates nothing (<see cref="EpochMetrics.AllocatedBytes"/>
/// shows it).
/// </summary>
/// <remarks>
/// Each epoch shuffles the identity order 0..n−1 with the loop's xoshiro256** generator, so an epoch's order depends on
/// the generator's state at its start and nothing else. Saving <see cref="CompletedEpochs"/> and
/// <see cref="ShuffleState"/> with the parameters and optimizer state, and calling <see cref="ResumeAt"/> on a new
/// loop, continues with exactly the orders an uninterrupted run would have used. A run cancelled in the middle of an
/// epoch also saves <see cref="StepsIntoEpoch"/>: the order is drawn again from the epoch's starting state and the
/// steps already trained are skipped, so the parameters continue bit-identically (that epoch's metrics then cover the
/// steps trained after the resume).
/// </remarks>
/// <typeparam name="T">The element type of the network.</typeparam>
public sealed class FitLoop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _order;
    private readonly T[] _featureBatch;
    private readonly int[] _labelBatch;
    private readonly T[] _targetBatch;
    private readonly T[] _weightBatch;
    private readonly int[] _predicted;
    private readonly double[] _errorNormSums;
    private readonly double[] _weightNormSums;
    private readonly T[] _bestParameters;
    private readonly List<EpochMetrics> _history = [];
    private readonly Xoshiro256StarStar _random;
    private readonly int _batchSize;
    private readonly DataParallel? _parallel;
    private bool _replicasSynchronized;
    private Xoshiro256StarStarState _epochStartState;
    private double _best = double.NaN;
    private int _bestEpoch;
    private int _epochsWithoutImprovement;

    /// <summary>Prepares a loop and allocates every buffer it will use.</summary>
    /// <param name="trainer">The trainer: network, loss, optimizer and the largest batch.</param>
    /// <param name="training">The training rows.</param>
    /// <param name="validation">Rows measured after each epoch, or null.</param>
    /// <param name="options">Epochs, batch size, seed, diagnostics, early stopping; null takes the defaults.</param>
    /// <exception cref="ArgumentException">
    /// The data's kind (labels or targets) or widths disagree with the trainer, or early stopping watches a metric the
    /// data cannot give.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The epochs, batch size or patience are out of range.</exception>
    public FitLoop(Trainer<T> trainer, FitData<T> training, FitData<T>? validation = null, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(training);
        options ??= new FitOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Epochs, "options.Epochs");
        int batchSize = options.BatchSize ?? trainer.MaxBatch;
        if (batchSize < 1 || batchSize > trainer.MaxBatch)
            throw new ArgumentOutOfRangeException("options.BatchSize", batchSize, "The batch size must be 1 to the trainer's MaxBatch, " + trainer.MaxBatch + ".");
        RequireMatches(trainer, training, nameof(training));
        if (validation is not null) RequireMatches(trainer, validation, nameof(validation));
        if (options.EarlyStopping is { } stopping) RequireWatchable(stopping, validation, training.HasLabels);
        if (options.DataParallel is not null && options.TrackLayerNorms)
            throw new ArgumentException("Layer norms are measured on one rank's rows and not reduced: TrackLayerNorms cannot be combined with DataParallel.", nameof(options));

        Trainer = trainer;
        Training = training;
        Validation = validation;
        Options = options;
        _batchSize = batchSize;
        _parallel = options.DataParallel;
        _random = new Xoshiro256StarStar(options.Seed);
        _order = new int[training.Count];
        _featureBatch = new T[batchSize * training.Features.Width];
        _labelBatch = new int[training.HasLabels ? batchSize : 0];
        _targetBatch = new T[training.HasLabels ? 0 : batchSize * training.Targets.Width];
        _weightBatch = new T[training.SampleWeights.IsEmpty ? 0 : batchSize];
        _predicted = new int[Math.Max(batchSize, validation is null ? 0 : Math.Min(trainer.MaxBatch, validation.Count))];
        _errorNormSums = new double[trainer.Network.Layers.Length];
        _weightNormSums = new double[trainer.Network.Layers.Length];
        _bestParameters = options.EarlyStopping is { RestoreBestWeights: true } ? new T[trainer.Network.ParameterCount] : [];
    }

    /// <summary>The trainer this loop drives.</summary>
    public Trainer<T> Trainer { get; }

    /// <summary>The training rows.</summary>
    public FitData<T> Training { get; }

    /// <summary>The validation rows, or null.</summary>
    public FitData<T>? Validation { get; }

    /// <summary>The options the loop was built with.</summary>
    public FitOptions Options { get; }

    /// <summary>Epochs trained so far, including those before a <see cref="ResumeAt"/>; the next epoch is this + 1.</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>
    /// Mini-batches of epoch <see cref="CompletedEpochs"/> + 1 already trained: nonzero only after a run was cancelled
    /// in the middle of that epoch. The next <see cref="Run(CancellationToken)"/> continues with the batch after them.
    /// </summary>
    public int StepsIntoEpoch { get; private set; }

    /// <summary>
    /// The shuffling generator's state at the start of the next epoch, or of the unfinished one when
    /// <see cref="StepsIntoEpoch"/> is nonzero; save it to resume exactly.
    /// </summary>
    public Xoshiro256StarStarState ShuffleState => StepsIntoEpoch > 0 ? _epochStartState : _random.State;

    /// <summary>Mini-batches in one epoch: the training rows divided by the batch size, rounded up.</summary>
    public int StepsPerEpoch => (Training.Count + _batchSize - 1) / _batchSize;

    /// <summary>Every epoch's metrics trained by this loop, oldest first.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>
    /// Continues a saved run: the next epoch is <paramref name="completedEpochs"/> + 1, shuffles from
    /// <paramref name="shuffleState"/> and starts at its batch <paramref name="stepsIntoEpoch"/> (0-based). Restore the
    /// parameters and optimizer state separately. Early stopping starts afresh from here.
    /// </summary>
    /// <param name="completedEpochs">Epochs already trained (<see cref="CompletedEpochs"/> when saved).</param>
    /// <param name="shuffleState">The saved <see cref="ShuffleState"/>.</param>
    /// <param name="stepsIntoEpoch">The saved <see cref="StepsIntoEpoch"/>; 0 resumes at an epoch's start.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="completedEpochs"/> is negative, or <paramref name="stepsIntoEpoch"/> is negative or not below
    /// <see cref="StepsPerEpoch"/>.
    /// </exception>
    /// <exception cref="ArgumentException">The generator state is all zeros.</exception>
    public void ResumeAt(int completedEpochs, Xoshiro256StarStarState shuffleState, int stepsIntoEpoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(completedEpochs);
        ArgumentOutOfRangeException.ThrowIfNegative(stepsIntoEpoch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stepsIntoEpoch, StepsPerEpoch);
        _random.Restore(shuffleState);
        _epochStartState = shuffleState;
        CompletedEpochs = completedEpochs;
        StepsIntoEpoch = stepsIntoEpoch;
        (_best, _bestEpoch, _epochsWithoutImprovement) = (double.NaN, 0, 0);
    }

    /// <summary>
    /// Trains until <see cref="FitOptions.Epochs"/> epochs are complete, early stopping ends the run, or
    /// <paramref name="cancellationToken"/> is cancelled (see <see cref="Run{TCallback}(ref TCallback, CancellationToken)"/>).
    /// </summary>
    /// <param name="cancellationToken">Stops the run after the step in progress; the run then returns, it does not throw.</param>
    /// <exception cref="NonFiniteTrainingException">A step met a NaN or infinity under <see cref="NonFinitePolicy.Throw"/>.</exception>
    public FitResult Run(CancellationToken cancellationToken = default)
    {
        var callback = new NoCallback();
        return Run(ref callback, cancellationToken);
    }

    /// <summary>
    /// Trains until <see cref="FitOptions.Epochs"/> epochs are complete, early stopping ends the run,
    /// <paramref name="callback"/> returns <see cref="FitAction.Stop"/>, or <paramref name="cancellationToken"/> is
    /// cancelled. With early stopping, the best epoch's parameters are restored at the end unless the run was
    /// cancelled. Sets the trainer's <see cref="Trainer{T}.TrackLayerNorms"/> to <see cref="FitOptions.TrackLayerNorms"/>;
    /// a later call continues where this one ended.
    /// </summary>
    /// <remarks>
    /// Cancellation is checked after every step: the step in progress completes, the run returns with
    /// <see cref="FitStopReason.Cancelled"/> and leaves the parameters as that step left them, so a checkpoint of the
    /// trainer with <see cref="CompletedEpochs"/>, <see cref="StepsIntoEpoch"/> and <see cref="ShuffleState"/> resumes
    /// bit-identically. An epoch cut short is not in <see cref="History"/> and gets no <see cref="IFitCallback.OnEpoch"/>.
    /// </remarks>
    /// <param name="callback">Called after every step and every epoch.</param>
    /// <param name="cancellationToken">Stops the run after the step in progress; the run then returns, it does not throw.</param>
    /// <exception cref="NonFiniteTrainingException">A step met a NaN or infinity under <see cref="NonFinitePolicy.Throw"/>.</exception>
    public FitResult Run<TCallback>(ref TCallback callback, CancellationToken cancellationToken = default) where TCallback : IFitCallback
    {
        Trainer.TrackLayerNorms = Options.TrackLayerNorms;
        if (_parallel is not null)
        {
            if (!_replicasSynchronized) _parallel.BroadcastParameters(Trainer);
            _replicasSynchronized = true;
            _parallel.ForgetStop();
        }
        FitStopReason reason = FitStopReason.Completed;
        while (CompletedEpochs < Options.Epochs)
        {
            if (_parallel?.AgreeToStop(cancellationToken.IsCancellationRequested) ?? cancellationToken.IsCancellationRequested)
            {
                reason = FitStopReason.Cancelled;
                break;
            }
            EpochMetrics? trained = TrainEpoch(ref callback, cancellationToken, out bool stoppedInEpoch);
            if (trained is not { } metrics)
            {
                reason = FitStopReason.Cancelled;
                break;
            }
            CompletedEpochs++;
            _history.Add(metrics);
            bool outOfPatience = TrackBest(metrics);
            if (callback.OnEpoch(metrics) == FitAction.Stop || stoppedInEpoch)
            {
                reason = FitStopReason.Callback;
                break;
            }
            if (outOfPatience)
            {
                reason = FitStopReason.EarlyStopping;
                break;
            }
        }
        if (reason != FitStopReason.Cancelled && _bestEpoch > 0 && _bestParameters.Length > 0)
            _bestParameters.CopyTo(Trainer.Network.Parameters);
        return new FitResult(_history.ToArray(), reason, _bestEpoch);
    }

    // Null when cancelled before the epoch's last step: the epoch stays unfinished, its position in StepsIntoEpoch.
    private EpochMetrics? TrainEpoch<TCallback>(ref TCallback callback, CancellationToken cancellationToken, out bool stopped)
        where TCallback : IFitCallback
    {
        int epoch = CompletedEpochs + 1;
        int skipped = StepsIntoEpoch;
        int n = Training.Count, width = Training.Features.Width, steps = 0, samples = 0, correct = 0;
        bool useLabels = Training.HasLabels;
        double lossSum = 0, weightSum = 0;
        Array.Clear(_errorNormSums);
        Array.Clear(_weightNormSums);
        stopped = false;

        long skippedBefore = Trainer.SkippedSteps;
        int collections = GC.CollectionCount(0);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();

        _epochStartState = _random.State;
        MiniBatch.FillSequence(_order);
        if (Options.Shuffle) _random.Shuffle<int>(_order);
        ReadOnlySpan2D<T> features = Training.Features.Span;
        var featureBatch = new Span2D<T>(_featureBatch, _batchSize, width);
        for (int first = skipped * _batchSize; first < n; first += _batchSize)
        {
            int rows = Math.Min(_batchSize, n - first);
            ReadOnlySpan<int> indices = _order.AsSpan(first, rows);
            ReadOnlySpan2D<T> x = featureBatch[..rows, ..];
            ReadOnlySpan<T> weights = GatherSampleWeights(indices);
            ReadOnlySpan<int> labels = default;
            T loss;
            if (_parallel is not null)
            {
                loss = DataParallelStep(_parallel, indices, weights, ref correct, cancellationToken.IsCancellationRequested);
                if (useLabels) labels = _labelBatch.AsSpan(0, rows);
            }
            else if (useLabels)
            {
                MiniBatch.Gather(features, Training.Labels.Span, indices, featureBatch, _labelBatch, Trainer.Pool);
                labels = _labelBatch.AsSpan(0, rows);
                loss = Trainer.Step(x, labels, weights);
                correct += Evaluation.CountCorrect(Trainer.LastOutputs, labels, _predicted);
            }
            else
            {
                ReadOnlySpan2D<T> allTargets = Training.Targets.Span;
                var targetBatch = new Span2D<T>(_targetBatch, _batchSize, allTargets.Width);
                MiniBatch.Gather(features, allTargets, indices, featureBatch, targetBatch, Trainer.Pool);
                loss = Trainer.Step(x, targetBatch[..rows, ..], weights);
            }
            double weight = Evaluation.LossDenominator(rows, labels, weights, Trainer.ClassWeights);
            if (weight != 0) lossSum += double.CreateTruncating(loss) * weight;
            weightSum += weight;
            samples += rows;
            steps++;
            if (Options.TrackLayerNorms) AccumulateLayerNorms();
            if (callback.OnStep(new StepReport(epoch, skipped + steps, rows, double.CreateTruncating(loss), Trainer.StepCount)) == FitAction.Stop)
            {
                stopped = true;
                break;
            }
            // Ranks stop together, on the wish carried by a step's reduction; one process, on the token itself.
            bool stop = _parallel?.StopAgreed ?? cancellationToken.IsCancellationRequested;
            if (stop && first + _batchSize < n)
            {
                _parallel?.GatherOptimizerState(Trainer);
                StepsIntoEpoch = skipped + steps;
                return null;
            }
        }
        StepsIntoEpoch = 0;

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        _parallel?.GatherOptimizerState(Trainer);
        _parallel?.VerifyReplicas(Trainer.Network);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        int gen0 = GC.CollectionCount(0) - collections;

        EvaluationResult validation = Validation is null
            ? new EvaluationResult(double.NaN, double.NaN, 0)
            : Evaluation.Measure(Trainer, Validation, _predicted);
        return new EpochMetrics
        {
            Epoch = epoch,
            Steps = steps,
            SkippedSteps = (int)(Trainer.SkippedSteps - skippedBefore),
            Samples = samples,
            TrainLoss = lossSum / weightSum,
            TrainAccuracy = useLabels ? (double)correct / samples : double.NaN,
            ValidationLoss = validation.Loss,
            ValidationAccuracy = validation.Accuracy,
            EpochSeconds = seconds,
            SamplesPerSecond = samples / seconds,
            LearningRate = Trainer.LearningRate,
            AllocatedBytes = bytes,
            Gen0Collections = gen0,
            ErrorNorms = Options.TrackLayerNorms ? Means(_errorNormSums, steps) : [],
            WeightGradientNorms = Options.TrackLayerNorms ? Means(_weightNormSums, steps) : [],
        };
    }

    // One data-parallel step on this rank's share of the global batch named by indices: the global batch's labels
    // (and weights) are gathered whole, for the loss's denominator over all its rows, the features only for this
    // rank's rows. Returns the global mean loss; correct comes back reduced over the ranks, and stopRequested with it
    // (DataParallel.StopAgreed).
    private T DataParallelStep(DataParallel parallel, ReadOnlySpan<int> indices, ReadOnlySpan<T> weights, ref int correct,
        bool stopRequested)
    {
        int rows = indices.Length, width = Training.Features.Width;
        bool useLabels = Training.HasLabels;
        (int start, int count) = parallel.Share(rows);
        ReadOnlySpan<int> mine = indices.Slice(start, count);
        var featureBatch = new Span2D<T>(_featureBatch, _batchSize, width);
        ReadOnlySpan2D<T> x = featureBatch[..count, ..];
        ReadOnlySpan<T> myWeights = weights.IsEmpty ? default : weights.Slice(start, count);
        ReadOnlySpan<int> labels = default, myLabels = default;
        ReadOnlySpan2D<T> myTargets = default;
        if (useLabels)
        {
            ReadOnlySpan<int> allLabels = Training.Labels.Span;
            for (int i = 0; i < rows; i++) _labelBatch[i] = allLabels[indices[i]];
            labels = _labelBatch.AsSpan(0, rows);
            myLabels = labels.Slice(start, count);
            MiniBatch.Gather(Training.Features.Span, allLabels, mine, featureBatch, _labelBatch.AsSpan(start, count), Trainer.Pool);
        }
        else
        {
            ReadOnlySpan2D<T> allTargets = Training.Targets.Span;
            var targetBatch = new Span2D<T>(_targetBatch, _batchSize, allTargets.Width);
            MiniBatch.Gather(Training.Features.Span, allTargets, mine, featureBatch, targetBatch, Trainer.Pool);
            myTargets = targetBatch[..count, ..];
        }
        double total = Evaluation.LossDenominator(rows, labels, weights, Trainer.ClassWeights);
        double mineTotal = Evaluation.LossDenominator(count, myLabels, myWeights, Trainer.ClassWeights);
        // An all-zero-weight batch has no mean: NaN, as one process computing 0/0 gets, for the non-finite policy.
        double share = total == 0 ? double.NaN : mineTotal / total;
        T localLoss = parallel.ComputeGradients(Trainer, x, myLabels, myTargets, myWeights, useLabels, share);
        int localCorrect = useLabels && count > 0 ? Evaluation.CountCorrect(Trainer.LastOutputs, myLabels, _predicted) : 0;
        double shareOfLoss = total == 0 ? double.NaN : mineTotal == 0 ? 0 : double.CreateTruncating(localLoss) * share;
        T loss = parallel.CompleteStep(Trainer, shareOfLoss, ref localCorrect, stopRequested, count);
        correct += localCorrect;
        return loss;
    }

    private ReadOnlySpan<T> GatherSampleWeights(ReadOnlySpan<int> indices)
    {
        if (_weightBatch.Length == 0) return default;
        ReadOnlySpan<T> all = Training.SampleWeights.Span;
        for (int i = 0; i < indices.Length; i++) _weightBatch[i] = all[indices[i]];
        return _weightBatch.AsSpan(0, indices.Length);
    }

    private void AccumulateLayerNorms()
    {
        ReadOnlySpan<T> errorNorms = Trainer.ErrorNorms, weightNorms = Trainer.WeightGradientNorms;
        for (int l = 0; l < _errorNormSums.Length; l++)
        {
            _errorNormSums[l] += double.CreateTruncating(errorNorms[l]);
            _weightNormSums[l] += double.CreateTruncating(weightNorms[l]);
        }
    }

    private static double[] Means(double[] sums, int count)
    {
        var means = new double[sums.Length];
        for (int i = 0; i < sums.Length; i++) means[i] = sums[i] / count;
        return means;
    }

    // Returns true when early stopping has run out of patience.
    private bool TrackBest(EpochMetrics metrics)
    {
        if (Options.EarlyStopping is not { } stopping) return false;
        double value = metrics.Get(stopping.Metric);
        if (stopping.IsImprovement(value, _best))
        {
            (_best, _bestEpoch, _epochsWithoutImprovement) = (value, metrics.Epoch, 0);
            if (_bestParameters.Length > 0) Trainer.Network.Parameters.CopyTo(_bestParameters);
            return false;
        }
        return ++_epochsWithoutImprovement >= stopping.Patience;
    }

    private static void RequireMatches(Trainer<T> trainer, FitData<T> data, string name)
    {
        if (data.Features.Width != trainer.Network.InputSize)
            throw new ArgumentException(name + " has " + data.Features.Width + " features but the network takes " + trainer.Network.InputSize + ".", name);
        if (data.HasLabels != trainer.Loss.UsesClassLabels)
            throw new ArgumentException(name + " has " + (data.HasLabels ? "labels" : "targets") + " but " + trainer.Loss.Kind
                + " trains against " + (trainer.Loss.UsesClassLabels ? "labels" : "targets") + ".", name);
        if (!data.HasLabels && data.Targets.Width != trainer.Network.OutputSize)
            throw new ArgumentException(name + " has " + data.Targets.Width + " target columns but the network has " + trainer.Network.OutputSize + " outputs.", name);
    }

    private static void RequireWatchable(EarlyStopping stopping, FitData<T>? validation, bool trainingHasLabels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stopping.Patience, "options.EarlyStopping.Patience");
        if (!(stopping.MinDelta >= 0))
            throw new ArgumentOutOfRangeException("options.EarlyStopping.MinDelta", stopping.MinDelta, "MinDelta must be ≥ 0.");
        bool available = stopping.Metric switch
        {
            FitMetric.ValidationLoss => validation is not null,
            FitMetric.ValidationAccuracy => validation is { HasLabels: true },
            FitMetric.TrainAccuracy => trainingHasLabels,
            _ => true,
        };
        if (!available)
            throw new ArgumentException("Early stopping watches " + stopping.Metric + " but the data cannot give it"
                + (validation is null ? " (no validation set)." : " (targets have no accuracy)."), "options");
    }
}
