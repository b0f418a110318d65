using System.Numerics;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Inference;

/// <summary>
/// One pass of a batch cut into blocks of rows for a <see cref="WorkerPool"/>: every block runs through every layer on
/// its own rows of the session's buffers and writes its own rows of the outputs. Rows never meet in a forward pass, so
/// no block waits for another between layers, and a row's arithmetic is the same in any block: any thread count gives
/// bit-identical outputs.
/// </summary>
internal unsafe struct PredictRowsJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly FrozenModel<T> _model;
    private readonly T[] _ping, _pong;
    // The caller keeps the inputs and outputs fixed while the job runs; strides are in elements.
    private readonly T* _inputs, _outputs;
    private readonly nint _inputStride, _outputStride;
    private readonly int _rows, _rowsPerPart;

    public PredictRowsJob(FrozenModel<T> model, T[] ping, T[] pong, T* inputs, nint inputStride, T* outputs, nint outputStride,
        int rows, int rowsPerPart)
    {
        (_model, _ping, _pong, _rows, _rowsPerPart) = (model, ping, pong, rows, rowsPerPart);
        _inputs = inputs;
        _outputs = outputs;
        (_inputStride, _outputStride) = (inputStride, outputStride);
    }

    public readonly void Execute(int part)
    {
        int first = part * _rowsPerPart, rows = Math.Min(_rowsPerPart, _rows - first);
        int inputs = _model.InputSize, outputs = _model.OutputSize, width = _model.MaxPaddedWidth;
        var x = new ReadOnlySpan2D<T>(_inputs + first * _inputStride, rows, inputs, (int)_inputStride - inputs);
        var y = new Span2D<T>(_outputs + first * _outputStride, rows, outputs, (int)_outputStride - outputs);
        Span<T> ping = _ping.AsSpan(first * width, rows * width), pong = _pong.AsSpan(first * width, rows * width);
        _model.Forward(x, ping, pong).CopyTo(y);
    }
}
