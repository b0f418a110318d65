using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;

namespace Backprop.Simd.Training;

/// <summary>
/// One optimizer step over the flat blocks, cut into contiguous ranges of whole vectors for a <see cref="WorkerPool"/>.
/// Every update rule is elementwise, so each parameter's arithmetic is the same whatever the cut: any thread count gives
/// bit-identical parameters and state.
/// </summary>
internal unsafe struct OptimizerJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    // Below this many vectors per part (about 30 µs of Adam on one core) waking a worker costs more than it saves.
    private const int MinimumVectorsPerPart = 4096;

    private readonly OptimizerSettings _settings;
    private readonly double _learningRate;
    private readonly long _step;
    private readonly bool _lossIncreased;
    private readonly Vector<T>* _parameters, _gradients, _state0, _state1, _state2;
    private readonly int _vectors;
    private readonly int* _nonFinite;
    private int _vectorsPerPart;

    // The pointers address storage padded to whole vectors, which the caller keeps fixed while the job runs; state
    // buffers the optimizer lacks are null.
    public OptimizerJob(in OptimizerSettings settings, double learningRate, long step, bool lossIncreased, int vectors,
        T* parameters, T* gradients, T* state0, T* state1, T* state2, int* nonFinite)
    {
        _nonFinite = nonFinite;
        (_settings, _learningRate, _step, _lossIncreased, _vectors) = (settings, learningRate, step, lossIncreased, vectors);
        _parameters = (Vector<T>*)parameters;
        _gradients = (Vector<T>*)gradients;
        _state0 = (Vector<T>*)state0;
        _state1 = (Vector<T>*)state1;
        _state2 = (Vector<T>*)state2;
        _vectorsPerPart = vectors;
    }

    /// <summary>Cuts the step for <paramref name="threads"/> threads and returns the number of parts.</summary>
    public int Plan(int threads)
    {
        int parts = Math.Clamp(_vectors / MinimumVectorsPerPart, 1, Math.Max(1, threads));
        _vectorsPerPart = Sizes.CeilDiv(_vectors, parts);
        return parts;
    }

    public readonly void Execute(int part)
    {
        int start = part * _vectorsPerPart;
        int count = Math.Min(_vectorsPerPart, _vectors - start);
        var p = new Span<Vector<T>>(_parameters + start, count);
        var g = new ReadOnlySpan<Vector<T>>(_gradients + start, count);
        Span<Vector<T>> s0 = State(_state0, start, count), s1 = State(_state1, start, count), s2 = State(_state2, start, count);
        switch (_settings.Kind)
        {
            case OptimizerKind.Sgd:
                SgdUpdate.Apply(p, g, s0, _settings, _learningRate, firstStep: _step == 1);
                break;
            case OptimizerKind.Adam or OptimizerKind.AdamW:
                AdamUpdate.Apply(p, g, s0, s1, _settings, _learningRate, _step, decoupled: _settings.Kind == OptimizerKind.AdamW);
                break;
            case OptimizerKind.RmsProp:
                RmsPropUpdate.Apply(p, g, s0, s1, s2, _settings, _learningRate);
                break;
            case OptimizerKind.Adagrad:
                AdagradUpdate.Apply(p, g, s0, _settings, _learningRate, _step);
                break;
            case OptimizerKind.Rprop:
                RpropUpdate.Apply(p, g, s0, s1, default, _settings, plus: false, lossIncreased: false);
                break;
            case OptimizerKind.IRpropPlus:
                RpropUpdate.Apply(p, g, s0, s1, s2, _settings, plus: true, _lossIncreased);
                break;
        }
        // The part's parameters were just written and are still in cache: an update that overflowed (finite gradients,
        // a huge step) is caught here instead of training on hidden behind a ReLU. Every writer writes 1, so no race.
        if (!Finite.All<T>(System.Runtime.InteropServices.MemoryMarshal.Cast<Vector<T>, T>(p))) Volatile.Write(ref *_nonFinite, 1);
    }

    private static Span<Vector<T>> State(Vector<T>* buffer, int start, int count) =>
        buffer is null ? default : new Span<Vector<T>>(buffer + start, count);
}
