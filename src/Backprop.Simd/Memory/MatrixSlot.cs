using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Memory;

/// <summary>
/// Where a row-major matrix of up to <see cref="MaxRows"/> rows lives inside a flat block. A batch of fewer rows uses
/// the first rows, which are contiguous because the pitch is zero: any batch size reuses the same memory.
/// </summary>
internal readonly record struct MatrixSlot(int Offset, int MaxRows, int Columns)
{
    /// <summary>The number of elements reserved for the largest batch.</summary>
    public int Capacity => MaxRows * Columns;

    /// <summary>The first <paramref name="rows"/> rows as a 2-D view.</summary>
    public Span2D<T> View<T>(T[] storage, int rows) => new(storage, Offset, rows, Columns, 0);

    /// <summary>The first <paramref name="rows"/> rows as one flat span.</summary>
    public Span<T> Flat<T>(T[] storage, int rows) => storage.AsSpan(Offset, rows * Columns);
}
