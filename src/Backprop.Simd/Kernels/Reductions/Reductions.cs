using System.Numerics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Reductions the training loop needs: bias gradients, gradient norms, predicted classes. Every entry point runs the
/// <see cref="SimdSupport.Active"/> variant; mismatched sizes throw <see cref="ArgumentException"/> naming the argument.
/// </summary>
public static class Reductions
{
    /// <summary><c>sums[j] (+)= Σ_i x[i, j]</c>: the bias gradient from a layer's error.</summary>
    /// <remarks>x: [rows, cols]  sums: [cols], not overlapping x.</remarks>
    public static void ColumnSums<T>(ReadOnlySpan2D<T> x, Span<T> sums, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T> => ColumnSums(x, sums, accumulate, SimdSupport.Active);

    internal static void ColumnSums<T>(ReadOnlySpan2D<T> x, Span<T> sums, bool accumulate, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Length(x.Width, "the width of x", sums.Length, nameof(sums));
        if (Check.SharesMemory(x, ((ReadOnlySpan<T>)sums).AsSpan2D(1, sums.Length))) throw new ArgumentException("sums shares memory with x; sums is cleared or added to while x is read.", nameof(sums));
        if (!accumulate) sums.Clear();
        var step = new ColumnSumStep<T>(new(x), new((ReadOnlySpan<T>)sums));
        ElementwiseDriver.Run<T, ColumnSumStep<T>>(ref step, x.Height, x.Width, variant);
    }

    /// <summary>
    /// <c>Σ x²</c>, the square of the Euclidean norm, accurate to a few ulps of T for any length: partial sums in T over
    /// blocks of 1024 elements, the blocks added in double.
    /// </summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        SumOfSquares(x, SimdSupport.Active);

    internal static T SumOfSquares<T>(ReadOnlySpan<T> x, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(VectorReductions.Dot(x, x, variant));

    /// <summary>
    /// <c>indices[i] = argmax_j x[i, j]</c>; the first index wins ties (−0 and +0 tie). A row holding NaN gives the index
    /// of its first NaN, as torch.argmax, which treats NaN as the largest value.
    /// </summary>
    /// <remarks>x: [rows, cols], cols ≥ 1 unless rows = 0  indices: [rows].</remarks>
    public static void ArgMaxRows<T>(ReadOnlySpan2D<T> x, Span<int> indices) where T : unmanaged, IFloatingPointIeee754<T> =>
        ArgMaxRows(x, indices, SimdSupport.Active);

    internal static void ArgMaxRows<T>(ReadOnlySpan2D<T> x, Span<int> indices, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Length(x.Height, "the height of x", indices.Length, nameof(indices));
        if (x.Height > 0 && x.Width == 0) throw new ArgumentException($"x is [{x.Height}, 0]: a row without columns has no argmax.", nameof(x));
        var values = new Strided<T>(x);
        var max = new RowMaxStep<T>(values);
        var search = new ArgMaxSearchStep<T>(values);
        for (int row = 0; row < x.Height; row++)
        {
            max.Max = T.NegativeInfinity;
            ElementwiseDriver.RunRow<T, RowMaxStep<T>>(ref max, row, x.Width, variant);
            search.Max = max.Max;
            search.Found = -1;
            ElementwiseDriver.RunRow<T, ArgMaxSearchStep<T>>(ref search, row, x.Width, variant);
            indices[row] = search.Found;
        }
    }
}
