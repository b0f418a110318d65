using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// A pinned matrix seen through two strides, so one kernel serves a matrix and its transpose: element (i, j) lives at
/// <c>Origin[i·RowStride + j·ColumnStride]</c>. Swapping the strides is a free transpose.
/// </summary>
internal readonly unsafe struct MatrixView<T>(T* origin, nint rowStride, nint columnStride)
    where T : unmanaged
{
    public T* Origin { get; } = origin;
    public nint RowStride { get; } = rowStride;
    public nint ColumnStride { get; } = columnStride;

    public MatrixView<T> Transposed => new(Origin, ColumnStride, RowStride);

    /// <summary>The view whose element (0, 0) is this view's element (row, column).</summary>
    public MatrixView<T> From(nint row, nint column) => new(At(row, column), RowStride, ColumnStride);

    /// <summary>The first rows × columns of a row-major view (ColumnStride 1) as a span.</summary>
    public Span2D<T> AsSpan2D(int rows, int columns) => new(Origin, rows, columns, (int)(RowStride - columns));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T* At(nint row, nint column) => Origin + (row * RowStride) + (column * ColumnStride);
}
