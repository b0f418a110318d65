using System.Numerics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The three matrix products of backpropagation over row-major views with explicit pitch. No transpose is ever
/// materialised: each form reads its operands in place.
/// </summary>
public static class MatMul
{
    /// <summary>Forward product <c>Y = X·W</c> (or <c>Y += X·W</c>).</summary>
    /// <remarks>X: [m, k]  W: [k, n]  Y: [m, n].</remarks>
    public static void Multiply<T>(ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, Span2D<T> y, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = y.Height, n = y.Width, k = x.Width;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = accumulate ? y[i, j] : T.Zero;
                for (int p = 0; p < k; p++) sum += x[i, p] * w[p, j];
                y[i, j] = sum;
            }
        }
    }

    /// <summary>Input-error product <c>C = A·Bᵀ</c> (or <c>C += A·Bᵀ</c>), e.g. <c>δX = δY·Wᵀ</c>.</summary>
    /// <remarks>A: [m, n]  B: [k, n]  C: [m, k].</remarks>
    public static void MultiplyTransposedB<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = c.Height, k = c.Width, n = a.Width;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < k; j++)
            {
                T sum = accumulate ? c[i, j] : T.Zero;
                for (int p = 0; p < n; p++) sum += a[i, p] * b[j, p];
                c[i, j] = sum;
            }
        }
    }

    /// <summary>Weight-gradient product <c>C = Aᵀ·B</c> (or <c>C += Aᵀ·B</c>), e.g. <c>∂W = Xᵀ·δY</c>.</summary>
    /// <remarks>A: [m, k]  B: [m, n]  C: [k, n].</remarks>
    public static void MultiplyTransposedA<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = c.Height, n = c.Width, m = a.Height;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = accumulate ? c[i, j] : T.Zero;
                for (int p = 0; p < m; p++) sum += a[p, i] * b[p, j];
                c[i, j] = sum;
            }
        }
    }
}
