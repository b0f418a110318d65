using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Memory;
using Backprop.Simd.Threading;

namespace Backprop.Simd.Training;

/// <summary>
/// An optimizer's settings and its whole state: the step count and one flat buffer per kind of moment, each laid out
/// exactly like the parameter block (same offsets). Buffers are named as in PyTorch's <c>optimizer.state</c>; a
/// checkpoint saves <see cref="Settings"/>, <see cref="StepCount"/> and every <see cref="Buffer"/>, and restores them by
/// writing the same spans back.
/// </summary>
/// <typeparam name="T">The element type of the network.</typeparam>
public sealed class OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly FlatBlock<T>[] _buffers;
    private readonly string[] _names;

    internal OptimizerState(OptimizerSettings settings, int parameterCount)
    {
        settings.Validate();
        Settings = settings;
        _names = settings.Kind switch
        {
            OptimizerKind.Sgd => ["momentum_buffer"],
            OptimizerKind.Adam or OptimizerKind.AdamW => ["exp_avg", "exp_avg_sq"],
            OptimizerKind.RmsProp => ["square_avg", "grad_avg", "momentum_buffer"],
            OptimizerKind.Adagrad => ["sum"],
            OptimizerKind.Rprop => ["prev", "step_size"],
            OptimizerKind.IRpropPlus => ["prev", "step_size", "change"],
            _ => throw new ArgumentException("Unknown optimizer " + settings.Kind + ".", nameof(settings)),
        };
        _buffers = new FlatBlock<T>[_names.Length];
        for (int i = 0; i < _buffers.Length; i++) _buffers[i] = new FlatBlock<T>(parameterCount);
        if (settings.Kind == OptimizerKind.Adagrad)
            _buffers[0].Storage.AsSpan().Fill(T.CreateTruncating(settings.InitialAccumulatorValue));
        if (settings.Kind is OptimizerKind.Rprop or OptimizerKind.IRpropPlus)
            _buffers[1].Storage.AsSpan().Fill(T.CreateTruncating(settings.LearningRate));
    }

    /// <summary>The optimizer and its hyper-parameters.</summary>
    public OptimizerSettings Settings { get; }

    /// <summary>How many optimizer steps have been applied (PyTorch's <c>step</c>); settable to restore a checkpoint.</summary>
    public long StepCount { get; set; }

    /// <summary>
    /// The loss at the previous step (+∞ before the first), which iRprop⁺ compares with the current one; part of the
    /// state to checkpoint for that optimizer.
    /// </summary>
    public double PreviousLoss { get; set; } = double.PositiveInfinity;

    /// <summary>The number of state buffers this optimizer keeps.</summary>
    public int BufferCount => _buffers.Length;

    /// <summary>State buffer <paramref name="index"/>, with the parameter block's length and offsets.</summary>
    public Span<T> Buffer(int index) => _buffers[index].Span;

    /// <summary>PyTorch's name for state buffer <paramref name="index"/> (e.g. <c>exp_avg</c>).</summary>
    public string BufferName(int index) => _names[index];

    // One vectorised pass over the padded blocks, shared with the pool's threads when one is given. The update uses the
    // next step number, as PyTorch advances it first, but the count is stored only once the pass ran: a step refused
    // (a shared pool busy with another job) changes nothing.
    /// <returns>False when a parameter is NaN or infinite after the update.</returns>
    internal bool Apply(FlatBlock<T> parameters, FlatBlock<T> gradients, double learningRate, double loss, WorkerPool? pool) =>
        Apply(parameters, gradients, learningRate, loss, pool, SimdSupport.Active);

    internal bool Apply(FlatBlock<T> parameters, FlatBlock<T> gradients, double learningRate, double loss, WorkerPool? pool,
        SimdVariant variant) =>
        ApplyRange(parameters, gradients.Storage, 0, parameters.Storage.Length, learningRate, loss, pool, variant);

    // The step for parameters [start, start + length) of the padded block alone, their gradients in gradients[0..length):
    // a data-parallel rank's shard (start a whole number of granules; the last shard ends at the padded end).
    internal unsafe bool ApplyRange(FlatBlock<T> parameters, ReadOnlySpan<T> gradients, int start, int length,
        double learningRate, double loss, WorkerPool? pool, SimdVariant variant)
    {
        int nonFinite = 0;
        long step = StepCount + 1;
        bool lossIncreased = loss > PreviousLoss;
        // A rank's shard of a block with fewer granules than ranks is empty; its step still counts.
        if (length > 0)
        {
            fixed (T* p = parameters.Storage, g = gradients, s0 = StateStorage(0), s1 = StateStorage(1), s2 = StateStorage(2))
            {
                var job = new OptimizerJob<T>(Settings, learningRate, step, lossIncreased, length, p + start, g, Offset(s0, start),
                    Offset(s1, start), Offset(s2, start), &nonFinite, variant);
                int parts = job.Plan(pool?.ThreadCount ?? 1);
                if (pool is null) job.Execute(0);
                else pool.Run(ref job, parts);
            }
        }
        StepCount = step;

        if (Settings.Kind == OptimizerKind.IRpropPlus) PreviousLoss = loss;
        return nonFinite == 0;
    }

    // State buffer index with its padding, for data-parallel ranks to exchange their shards.
    internal Span<T> PaddedBuffer(int index) => _buffers[index].Storage;

    private static unsafe T* Offset(T* buffer, int start) => buffer is null ? null : buffer + start;

    private T[]? StateStorage(int index) => index < _buffers.Length ? _buffers[index].Storage : null;
}
