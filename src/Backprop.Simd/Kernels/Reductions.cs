using System.Numerics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>Reductions the training loop needs: bias gradients, gradient norms, predicted classes.</summary>
public static class Reductions
{
    /// <summary><c>sums[j] (+)= Σ_i x[i, j]</c>: the bias gradient from a layer's error.</summary>
    /// <remarks>x: [rows, cols]  sums: [cols].</remarks>
    public static void ColumnSums<T>(ReadOnlySpan2D<T> x, Span<T> sums, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!accumulate) sums[..x.Width].Clear();
        for (int i = 0; i < x.Height; i++)
            for (int j = 0; j < x.Width; j++) sums[j] += x[i, j];
    }

    /// <summary><c>Σ x²</c>, the square of the Euclidean norm.</summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (T v in x) sum += v * v;
        return sum;
    }

    /// <summary><c>indices[i] = argmax_j x[i, j]</c>; the first index wins ties.</summary>
    /// <remarks>x: [rows, cols]  indices: [rows].</remarks>
    public static void ArgMaxRows<T>(ReadOnlySpan2D<T> x, Span<int> indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Height; i++)
        {
            int best = 0;
            for (int j = 1; j < x.Width; j++) if (x[i, j] > x[i, best]) best = j;
            indices[i] = best;
        }
    }
}
