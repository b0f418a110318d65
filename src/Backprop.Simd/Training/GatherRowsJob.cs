using Backprop.Simd.Threading;

namespace Backprop.Simd.Training;

/// <summary>
/// A mini-batch gather cut into blocks of rows for a <see cref="WorkerPool"/>. A large data set's rows come from DRAM,
/// each from its own place, so the copy waits on memory, not arithmetic: two threads keep twice as many rows in flight.
/// Every index has been checked before the job starts, so no part can throw.
/// </summary>
internal unsafe struct GatherRowsJob<T> : IParallelWork where T : unmanaged
{
    // The caller keeps the source, the indices and the destination fixed while the job runs; strides are in elements.
    private readonly T* _source, _destination;
    private readonly nint _sourceStride, _destinationStride;
    private readonly int* _indices;
    private readonly int _width, _rows, _rowsPerPart;

    public GatherRowsJob(T* source, nint sourceStride, int* indices, T* destination, nint destinationStride, int width, int rows,
        int rowsPerPart)
    {
        _source = source;
        _destination = destination;
        _indices = indices;
        (_sourceStride, _destinationStride, _width, _rows, _rowsPerPart) = (sourceStride, destinationStride, width, rows, rowsPerPart);
    }

    public readonly void Execute(int part)
    {
        long bytes = (long)_width * sizeof(T);
        for (int i = part * _rowsPerPart, end = Math.Min(_rows, i + _rowsPerPart); i < end; i++)
            Buffer.MemoryCopy(_source + (_indices[i] * _sourceStride), _destination + (i * _destinationStride), bytes, bytes);
    }
}
