using System.Numerics;
using System.Runtime.CompilerServices;
using Backprop.Simd.Kernels;
using Backprop.Simd.Kernels.Optimizers;
using Backprop.Simd.Memory;
using Backprop.Simd.Threading;

namespace Backprop.Simd.Training;

/// <summary>
/// One optimizer step over the flat blocks, cut into contiguous ranges of whole 64-byte vectors for a
/// <see cref="WorkerPool"/>. Every update rule is elementwise, so each parameter's arithmetic is the same whatever the
/// cut: any thread count gives bit-identical parameters and state.
/// </summary>
internal unsafe struct OptimizerJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    // Below this many elements per part (about 30 µs of Adam on one core) waking a worker costs more than it saves.
    private const int MinimumElementsPerPart = 32768;

    private readonly OptimizerSettings _settings;
    private readonly double _learningRate;
    private readonly long _step;
    private readonly bool _lossIncreased;
    private readonly T* _parameters, _gradients, _state0, _state1, _state2;
    private readonly int _length;
    private readonly SimdVariant _variant;
    private readonly int* _nonFinite;
    private int _elementsPerPart;

    // The pointers address storage padded to whole 64-byte vectors (FlatBlock), which the caller keeps fixed while the
    // job runs; state buffers the optimizer lacks are null.
    public OptimizerJob(in OptimizerSettings settings, double learningRate, long step, bool lossIncreased, int paddedLength,
        T* parameters, T* gradients, T* state0, T* state1, T* state2, int* nonFinite, SimdVariant variant)
    {
        (_settings, _learningRate, _step, _lossIncreased, _length, _variant) = (settings, learningRate, step, lossIncreased, paddedLength, variant);
        _parameters = parameters;
        _gradients = gradients;
        _state0 = state0;
        _state1 = state1;
        _state2 = state2;
        _nonFinite = nonFinite;
        _elementsPerPart = paddedLength;
    }

    /// <summary>Cuts the step for <paramref name="threads"/> threads and returns the number of parts.</summary>
    public int Plan(int threads)
    {
        int parts = Math.Clamp(_length / MinimumElementsPerPart, 1, Math.Max(1, threads));
        _elementsPerPart = Sizes.RoundUp(Sizes.CeilDiv(_length, parts), FlatBlock<T>.Granule);
        return Sizes.CeilDiv(_length, _elementsPerPart);
    }

    public readonly void Execute(int part)
    {
        int start = part * _elementsPerPart;
        int count = Math.Min(_elementsPerPart, _length - start);
        var blocks = new OptimizerBlocks<T>(new Span<T>(_parameters + start, count), new ReadOnlySpan<T>(_gradients + start, count),
            State(_state0, start, count), State(_state1, start, count), State(_state2, start, count));
        OptimizerSettings s = _settings;
        double lr = _learningRate;
        switch (s.Kind)
        {
            case OptimizerKind.Sgd:
                Run(new SgdUpdate<T>(lr, s.WeightDecay, s.Momentum, s.Dampening, s.Nesterov, firstStep: _step == 1), blocks);
                break;
            case OptimizerKind.Adam or OptimizerKind.AdamW:
                Run(new AdamUpdate<T>(lr, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay, _step, decoupled: s.Kind == OptimizerKind.AdamW), blocks);
                break;
            case OptimizerKind.RmsProp:
                Run(new RmsPropUpdate<T>(lr, s.Alpha, s.Epsilon, s.WeightDecay, s.Momentum, s.Centered), blocks);
                break;
            case OptimizerKind.Adagrad:
                Run(new AdagradUpdate<T>(lr, s.LearningRateDecay, s.Epsilon, s.WeightDecay, _step), blocks);
                break;
            case OptimizerKind.Rprop:
                Run(new RpropUpdate<T>(s.EtaMinus, s.EtaPlus, s.MinStepSize, s.MaxStepSize, plus: false, lossIncreased: false), blocks);
                break;
            case OptimizerKind.IRpropPlus:
                Run(new RpropUpdate<T>(s.EtaMinus, s.EtaPlus, s.MinStepSize, s.MaxStepSize, plus: true, _lossIncreased), blocks);
                break;
        }
        // The part's parameters were just written and are still in cache: an update that overflowed (finite gradients,
        // a huge step) is caught here instead of training on hidden behind a ReLU. Every writer writes 1, so no race.
        if (!Finite.All<T>(blocks.Parameters, _variant)) Volatile.Write(ref *_nonFinite, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Run<TUpdate>(in TUpdate update, OptimizerBlocks<T> blocks) where TUpdate : struct, IOptimizerUpdate<T> =>
        OptimizerUpdate.Run(in update, blocks, _variant);

    private static Span<T> State(T* buffer, int start, int count) => buffer is null ? default : new Span<T>(buffer + start, count);
}
