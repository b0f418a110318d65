using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Memory;

/// <summary>Rank-2 tensor spans seen as 2-D row-major views, without copying.</summary>
internal static class TensorViews
{
    // A [rows, cols] tensor whose rows are contiguous (column stride 1) and do not overlap maps to a pitched 2-D view.
    public static ReadOnlySpan2D<T> AsReadOnlySpan2D<T>(in ReadOnlyTensorSpan<T> tensor, string name)
    {
        int rows = checked((int)tensor.Lengths[0]), columns = CheckedColumns(tensor.Rank, tensor.Lengths, tensor.Strides, name);
        return rows * columns == 0 ? default
            : ReadOnlySpan2D<T>.DangerousCreate(in tensor.GetPinnableReference(), rows, columns, checked((int)tensor.Strides[0]) - columns);
    }

    public static Span2D<T> AsSpan2D<T>(in TensorSpan<T> tensor, string name)
    {
        int rows = checked((int)tensor.Lengths[0]), columns = CheckedColumns(tensor.Rank, tensor.Lengths, tensor.Strides, name);
        return rows * columns == 0 ? default
            : Span2D<T>.DangerousCreate(ref tensor.GetPinnableReference(), rows, columns, checked((int)tensor.Strides[0]) - columns);
    }

    private static int CheckedColumns(int rank, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, string name)
    {
        if (rank != 2)
            throw new ArgumentException("The tensor has rank " + rank + "; a batch must be a [rows, columns] tensor.", name);
        int columns = checked((int)lengths[1]);
        if ((columns > 1 && strides[1] != 1) || (lengths[0] > 1 && strides[0] < columns))
        {
            throw new ArgumentException("The tensor's strides [" + strides[0] + ", " + strides[1]
                + "] do not describe contiguous, non-overlapping rows.", name);
        }
        return columns;
    }
}
