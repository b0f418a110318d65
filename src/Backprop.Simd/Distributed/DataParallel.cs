using System.Diagnostics;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using Backprop.Simd.Kernels;
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
/// <para>With <see cref="OverlapReduction"/>, a layer's gradient starts its non-blocking reduction as soon as its
/// backward pass is done (the last layer first), while the layers before it are still differentiated; the step waits
/// for all of them before the update. The reductions work in place on the trainer's gradient block: a step allocates
/// nothing.</para>
/// </remarks>
public sealed class DataParallel
{
    // [Σ share·loss, Σ correct, Σ stop]: one small reduction per step beside the gradients.
    private readonly double[] _stepTotals = new double[3];
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

    /// <summary>
    /// Whether each layer's gradient starts reducing (non-blocking) while earlier layers' backward runs; true by
    /// default. False reduces the whole block after the backward pass, in one blocking call.
    /// </summary>
    public bool OverlapReduction { get; init; } = true;

    /// <summary>Steps reduced so far.</summary>
    public long ReducedSteps { get; private set; }

    /// <summary>
    /// Seconds spent waiting for reductions after the backward pass, over <see cref="ReducedSteps"/> steps: the
    /// communication the overlap did not hide.
    /// </summary>
    public double ReductionWaitSeconds { get; private set; }

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

    // Forward and backward on this rank's rows, each layer's gradient scaled by the rank's share of the global loss
    // denominator and (with overlap) its reduction started as soon as it is final. Returns the local mean loss.
    internal T ComputeGradients<T>(Trainer<T> trainer, ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels,
        ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights, bool useLabels, double share)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inputs.Height == 0)
        {
            trainer.Gradients.Clear();
            if (OverlapReduction) Communicator.StartAllReduceSum(trainer.Gradients);
            return T.Zero;
        }
        var listener = new ScaleAndReduce<T>(this, trainer, T.CreateTruncating(share));
        T loss = trainer.ComputeGradients(inputs, labels, targets, sampleWeights, useLabels, ref listener);
        return loss;
    }

    // Completes the step's reductions: the gradients, then [share·loss, correct, stop]. Returns the global mean loss;
    // correct becomes the global count, and the result of StopAgreed is the same on every rank.
    internal double FinishReduction<T>(Trainer<T> trainer, double shareOfLoss, ref int correct, bool stopRequested)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long start = Stopwatch.GetTimestamp();
        if (OverlapReduction) Communicator.WaitForReductions();
        else Communicator.AllReduceSum(trainer.Gradients);
        _stepTotals[0] = shareOfLoss;
        _stepTotals[1] = correct;
        _stepTotals[2] = stopRequested ? 1 : 0;
        Communicator.AllReduceSum<double>(_stepTotals);
        ReductionWaitSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
        ReducedSteps++;
        correct = (int)_stepTotals[1];
        _stopAgreed |= _stepTotals[2] > 0;
        return _stepTotals[0];
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

    private readonly struct ScaleAndReduce<T>(DataParallel parallel, Trainer<T> trainer, T share) : ILayerGradientsListener
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void OnLayerGradients(DenseLayer layer)
        {
            Span<T> gradients = trainer.Gradients.Slice(layer.WeightOffset, layer.ParameterCount);
            if (share != T.One) VectorArithmetic.Scale<T>(gradients, share, gradients);
            if (parallel.OverlapReduction) parallel.Communicator.StartAllReduceSum(gradients);
        }
    }
}
