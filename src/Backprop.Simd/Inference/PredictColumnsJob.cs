using System.Numerics;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Inference;

/// <summary>
/// One layer of a pass with too few rows to split by rows, cut by output columns for a <see cref="WorkerPool"/>: each
/// part multiplies every row by its own whole panels of the weights and applies the activation to those columns. A
/// column's arithmetic does not depend on which part computes it, so any thread count gives bit-identical outputs; and
/// the part a thread claims is usually the same from call to call, so its share of the weights stays in its core's L2.
/// </summary>
internal unsafe struct PredictColumnsJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly FrozenModel<T> _model;
    private readonly int _layer;
    // The caller keeps both matrices fixed while the job runs; strides are in elements.
    private readonly T* _inputs, _outputs;
    private readonly nint _inputStride;
    private readonly int _rows, _inputWidth, _outputWidth, _columnsPerPart;

    public PredictColumnsJob(FrozenModel<T> model, int layer, T* inputs, nint inputStride, int rows, int inputWidth, T* outputs,
        int outputWidth, int columnsPerPart)
    {
        (_model, _layer, _rows, _inputWidth, _outputWidth, _columnsPerPart) = (model, layer, rows, inputWidth, outputWidth, columnsPerPart);
        _inputs = inputs;
        _outputs = outputs;
        _inputStride = inputStride;
    }

    public readonly void Execute(int part)
    {
        int first = part * _columnsPerPart, columns = Math.Min(_columnsPerPart, _outputWidth - first);
        var x = new ReadOnlySpan2D<T>(_inputs, _rows, _inputWidth, (int)_inputStride - _inputWidth);
        var y = new Span2D<T>(_outputs, _rows, _outputWidth, 0);
        _model.ForwardColumns(_layer, x, y, first, columns);
    }
}
