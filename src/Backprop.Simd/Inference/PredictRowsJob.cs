using System.Numerics;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Inference;

/// <summary>
/// One pass of a batch cut into blocks of rows for a <see cref="WorkerPool"/>: every block runs through every layer on
/// its own rows of the session's buffers, leaving the batch's outputs where one pass would. Rows never meet in a forward
/// pass, so no block waits for another between layers, and a row's arithmetic is the same in any block: any thread count
/// gives bit-identical outputs.
/// </summary>
internal unsafe struct PredictRowsJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly FrozenModel<T> _model;
    private readonly T[] _ping, _pong;
    // The caller keeps the inputs fixed while the job runs; the stride is in elements.
    private readonly T* _inputs;
    private readonly nint _inputStride;
    private readonly int _rows, _rowsPerPart;

    public PredictRowsJob(FrozenModel<T> model, T[] ping, T[] pong, T* inputs, nint inputStride, int rows, int rowsPerPart)
    {
        (_model, _ping, _pong, _rows, _rowsPerPart) = (model, ping, pong, rows, rowsPerPart);
        _inputs = inputs;
        _inputStride = inputStride;
    }

    public readonly void Execute(int part)
    {
        int first = part * _rowsPerPart, rows = Math.Min(_rowsPerPart, _rows - first);
        int inputs = _model.InputSize;
        var x = new ReadOnlySpan2D<T>(_inputs + first * _inputStride, rows, inputs, (int)_inputStride - inputs);
        _model.Forward(x, _ping, _pong, first);
    }
}
