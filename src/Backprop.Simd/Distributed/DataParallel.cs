using System.Diagnostics;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using Backprop.Simd.Kernels;
using Backprop.Simd.Memory;
using Backprop.Simd.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Distributed;

/// <summary>
/// Data-parallel training, as PyTorch's DistributedDataParallel and Horovod do it: every rank holds the whole model
/// and takes its share of each global mini-batch; the gradients are summed across ranks before one identical optimizer
/// step everywhere. Give it to <see cref="FitOptions.DataParallel"/> on every rank, with the same options, data and seed.
/// </summary>
/// <remarks>
/// <para>The global batch of B rows is split in rank order from the one shuffled order every rank draws from the same
/// seed: rank r takes rows ⌊B·r/N⌋ to ⌊B·(r+1)/N⌋. Each rank scales the gradient of its rows' mean loss by its share of
/// the global loss's denominator (rows, or Σ sample × class weights), so that the all-reduced sum is the gradient of
/// the mean over all B rows. The loss, the correct count and the wish to stop (cancellation) are reduced with it, so
/// clipping, schedules, the non-finite check, early stopping and cancellation decide the same on every rank.</para>
/// <para><see cref="Reduction"/> chooses how the gradients travel (<see cref="GradientReduction"/>); by default one
/// all-reduce of the whole block after the backward pass. Every exchange works
/// in place on the trainer's blocks: a step allocates nothing.</para>
/// </remarks>
public sealed class DataParallel
{
    // [Σ share·loss, Σ correct, Σ stop, Σ shard's Σg², Σ shards with a non-finite gradient]: one small reduction per
    // step beside the gradients.
    private readonly double[] _stepTotals = new double[5];
    private int[] _shardCounts = [];
    private int _shardStart;
    private int _shardTotal;
    private long _exchangeTicks;
    private readonly ulong[] _hash = new ulong[1];
    private readonly double[] _flag = new double[1];
    private bool _stopAgreed;

    /// <summary>Creates the component over a communicator every rank of the group has.</summary>
    /// <param name="communicator">The group of ranks; <see cref="MpiCommunicator"/> or your own.</param>
    public DataParallel(ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        Communicator = communicator;
    }

    /// <summary>The group of ranks the gradients are summed over.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => Communicator.Rank;

    /// <summary>The number of ranks.</summary>
    public int Size => Communicator.Size;

    /// <summary>How the gradients are combined; <see cref="GradientReduction.AllReduce"/> by default.</summary>
    public GradientReduction Reduction { get; init; } = GradientReduction.AllReduce;

    /// <summary>Steps reduced so far.</summary>
    public long ReducedSteps { get; private set; }

    /// <summary>
    /// Seconds spent in communication after the backward pass, over <see cref="ReducedSteps"/> steps: the exchanges
    /// alone, waiting for the slowest rank included, the optimizer's update not (with
    /// <see cref="GradientReduction.OverlappedAllReduce"/>, what the overlap did not hide).
    /// </summary>
    public double ReductionWaitSeconds => (double)_exchangeTicks / Stopwatch.Frequency;

    /// <summary>
    /// Copies rank 0's parameters and optimizer state (buffers, step count, previous loss) to every rank, so that every
    /// replica starts identical; <see cref="FitLoop{T}"/> calls it before its first step.
    /// </summary>
    /// <exception cref="MpiException">A reduction failed.</exception>
    public void BroadcastParameters<T>(Trainer<T> trainer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        Communicator.Broadcast(trainer.Network.Parameters, root: 0);
        OptimizerState<T> state = trainer.Optimizer;
        for (int i = 0; i < state.BufferCount; i++) Communicator.Broadcast(state.Buffer(i), root: 0);
        Span<long> step = [state.StepCount];
        Communicator.Broadcast(step, root: 0);
        state.StepCount = step[0];
        Span<double> previousLoss = [state.PreviousLoss];
        Communicator.Broadcast(previousLoss, root: 0);
        state.PreviousLoss = previousLoss[0];
    }

    /// <summary>
    /// Checks that every replica's parameters are bit-identical to rank 0's (an XxHash64 of the block); every rank
    /// throws, or none does.
    /// </summary>
    /// <exception cref="InvalidOperationException">A replica's parameters differ from rank 0's.</exception>
    public void VerifyReplicas<T>(Network<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ulong own = XxHash64.HashToUInt64(MemoryMarshal.AsBytes<T>(network.Parameters));
        _hash[0] = own;
        Communicator.Broadcast<ulong>(_hash, root: 0);
        bool differs = _hash[0] != own;
        _flag[0] = differs ? 1 : 0;
        Communicator.AllReduceSum<double>(_flag);
        if (_flag[0] == 0) return;
        throw new InvalidOperationException(differs
            ? "Rank " + Rank + "'s parameters differ from rank 0's: the replicas have diverged (were options, data or seed the same on every rank?)."
            : _flag[0] + " rank(s)' parameters differ from rank 0's: the replicas have diverged (were options, data or seed the same on every rank?).");
    }

    /// <summary>This rank's rows of a global batch of <paramref name="rows"/>: rows Start to Start + Count − 1, in rank order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is negative.</exception>
    public (int Start, int Count) Share(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int start = (int)((long)rows * Rank / Size);
        return (start, (int)((long)rows * (Rank + 1) / Size) - start);
    }

    // Forward and backward on this rank's rows, the output error (and so, by linearity, every gradient) scaled by the
    // rank's share of the global loss denominator; with overlap, each layer's reduction starts as soon as it is final.
    // Returns the local mean loss.
    internal T ComputeGradients<T>(Trainer<T> trainer, ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels,
        ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights, bool useLabels, double share)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool overlap = Reduction == GradientReduction.OverlappedAllReduce;
        if (inputs.Height == 0)
        {
            trainer.Gradients.Clear();
            if (overlap) Communicator.StartAllReduceSum(trainer.Gradients);
            return T.Zero;
        }
        if (!overlap)
        {
            var none = new NoLayerGradientsListener();
            return trainer.ComputeGradients(inputs, labels, targets, sampleWeights, useLabels, T.CreateTruncating(share), ref none);
        }
        var listener = new StartReduction<T>(Communicator, trainer);
        return trainer.ComputeGradients(inputs, labels, targets, sampleWeights, useLabels, T.CreateTruncating(share), ref listener);
    }

    // Completes the step after this rank's backward pass: reduces the gradients with [share·loss, correct, stop] and
    // updates the parameters on every rank alike. Returns the global mean loss; correct becomes the global count and
    // StopAgreed says whether any rank asked to stop. batch: this rank's rows.
    internal T CompleteStep<T>(Trainer<T> trainer, double shareOfLoss, ref int correct, bool stopRequested, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        _stepTotals.AsSpan().Clear();
        (_stepTotals[0], _stepTotals[1], _stepTotals[2]) = (shareOfLoss, correct, stopRequested ? 1 : 0);
        T loss;
        if (Reduction == GradientReduction.ShardedOptimizer) loss = ShardedStep(trainer, batch);
        else
        {
            long start = Stopwatch.GetTimestamp();
            if (Reduction == GradientReduction.OverlappedAllReduce) Communicator.WaitForReductions();
            else Communicator.AllReduceSum(trainer.Gradients);
            Communicator.AllReduceSum<double>(_stepTotals);
            _exchangeTicks += Stopwatch.GetTimestamp() - start;
            loss = trainer.ApplyCheckedStep(T.CreateTruncating(_stepTotals[0]), batch);
        }
        ReducedSteps++;
        correct = (int)_stepTotals[1];
        _stopAgreed |= _stepTotals[2] > 0;
        return loss;
    }

    // Reduce-scatter, the optimizer on this rank's shard, all-gather. Σg² and non-finite gradients are found on each
    // shard and summed with the step's totals, so clipping and the non-finite policy see every parameter.
    private T ShardedStep<T>(Trainer<T> trainer, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> gradients = trainer.GradientBlock.Storage;
        // The reduced piece lands where this rank's own gradients were: the update then reads its gradients at the
        // parameters' own offsets, as an undivided step does.
        Span<T> shard = Shard<T>(gradients);
        long start = Stopwatch.GetTimestamp();
        Communicator.ReduceScatterSum<T>(gradients, shard, _shardCounts);
        _exchangeTicks += Stopwatch.GetTimestamp() - start;
        double sumOfSquares = VectorReductions.Dot<T>(shard, shard, SimdSupport.Active);
        _stepTotals[3] = sumOfSquares;
        _stepTotals[4] = !double.IsFinite(sumOfSquares) && !Finite.All<T>(shard) ? 1 : 0;
        start = Stopwatch.GetTimestamp();
        Communicator.AllReduceSum<double>(_stepTotals);
        _exchangeTicks += Stopwatch.GetTimestamp() - start;
        T loss = T.CreateTruncating(_stepTotals[0]);
        long skipped = trainer.SkippedSteps;
        bool finite = trainer.ApplyCheckedShardStep(loss, _stepTotals[3], _stepTotals[4] > 0, batch, shard, _shardStart);
        if (trainer.SkippedSteps != skipped) return loss; // every rank skipped: nothing changed anywhere
        start = Stopwatch.GetTimestamp();
        Communicator.AllGather<T>(trainer.Network.ParameterBlock.Storage, _shardCounts);
        _flag[0] = finite ? 0 : 1;
        Communicator.AllReduceSum<double>(_flag);
        _exchangeTicks += Stopwatch.GetTimestamp() - start;
        if (_flag[0] > 0)
            throw new NonFiniteTrainingException(NonFiniteQuantity.Parameters,
                NonFiniteSearch.FirstLayer(trainer.Network, trainer.Network.Parameters), trainer.StepCount);
        return loss;
    }

    // This rank's piece of a padded block: whole 64-byte granules, so the optimizer's vector passes need no tail.
    private Span<T> Shard<T>(Span<T> padded) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (_shardTotal != padded.Length)
        {
            int granule = FlatBlock<T>.Granule, granules = padded.Length / granule;
            _shardCounts = new int[Size];
            for (int r = 0; r < Size; r++)
            {
                int first = (int)((long)granules * r / Size), end = (int)((long)granules * (r + 1) / Size);
                _shardCounts[r] = (end - first) * granule;
                if (r == Rank) _shardStart = first * granule;
            }
            _shardTotal = padded.Length;
        }
        return padded.Slice(_shardStart, _shardCounts[Rank]);
    }

    // After a run's epoch (or its cancellation) under the sharded optimizer every rank's optimizer state is whole
    // again, as a checkpoint needs it: each rank's shard of every state buffer is all-gathered.
    internal void GatherOptimizerState<T>(Trainer<T> trainer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Reduction != GradientReduction.ShardedOptimizer || _shardCounts.Length == 0) return;
        OptimizerState<T> state = trainer.Optimizer;
        for (int i = 0; i < state.BufferCount; i++) Communicator.AllGather<T>(state.PaddedBuffer(i), _shardCounts);
    }

    // True on every rank once any rank asked to stop: at a step's reduction, or here, between epochs.
    internal bool AgreeToStop(bool stopRequested)
    {
        if (_stopAgreed) return true;
        _flag[0] = stopRequested ? 1 : 0;
        Communicator.AllReduceSum<double>(_flag);
        return _stopAgreed = _flag[0] > 0;
    }

    internal bool StopAgreed => _stopAgreed;

    // A new run starts without the last one's agreement to stop.
    internal void ForgetStop() => _stopAgreed = false;

    private readonly struct StartReduction<T>(ICommunicator communicator, Trainer<T> trainer) : ILayerGradientsListener
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void OnLayerGradients(DenseLayer layer) =>
            communicator.StartAllReduceSum(trainer.Gradients.Slice(layer.WeightOffset, layer.ParameterCount));
    }
}
