using System.Numerics;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

/// <summary>The three matrix-product forms the kernels implement.</summary>
public enum MatMulForm
{
    /// <summary>Y = X·W; X: [m, k]  W: [k, n].</summary>
    Multiply,
    /// <summary>C = A·Bᵀ; A: [m, k]  B: [n, k].</summary>
    TransposedB,
    /// <summary>C = Aᵀ·B; A: [k, m]  B: [k, n].</summary>
    TransposedA,
}

/// <summary>
/// The slow, obvious product in double precision: the oracle for every kernel variant. Besides each element it returns
/// Σ|a·b| (plus |c| when accumulating), the scale that floating-point error of the fast kernels is proportional to.
/// </summary>
internal static class MatMulReference
{
    /// <summary>Operand shapes of <paramref name="form"/> for a product C: [m, n] with inner dimension k.</summary>
    public static ((int Height, int Width) Left, (int Height, int Width) Right) OperandShapes(MatMulForm form, int m, int n, int k) =>
        form switch
        {
            MatMulForm.Multiply => ((m, k), (k, n)),
            MatMulForm.TransposedB => ((m, k), (n, k)),
            _ => ((k, m), (k, n)),
        };

    public static (double[,] Value, double[,] Scale) Product<T>(MatMulForm form, ReadOnlySpan2D<T> left, ReadOnlySpan2D<T> right,
        ReadOnlySpan2D<T> initial, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = initial.Height, n = initial.Width;
        int k = form == MatMulForm.TransposedA ? left.Height : left.Width;
        var value = new double[m, n];
        var scale = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? double.CreateChecked(initial[i, j]) : 0;
                double magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double a = double.CreateChecked(form == MatMulForm.TransposedA ? left[p, i] : left[i, p]);
                    double b = double.CreateChecked(form == MatMulForm.TransposedB ? right[j, p] : right[p, j]);
                    sum += a * b;
                    magnitude += Math.Abs(a * b);
                }

                value[i, j] = sum;
                scale[i, j] = magnitude;
            }
        }

        return (value, scale);
    }

    /// <summary>Runs the kernel of <paramref name="form"/> with the given variant.</summary>
    public static void RunKernel<T>(MatMulForm form, SimdVariant variant, ReadOnlySpan2D<T> left, ReadOnlySpan2D<T> right,
        Span2D<T> destination, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (form)
        {
            case MatMulForm.Multiply:
                MatMul.Multiply(variant, left, right, destination, accumulate);
                break;
            case MatMulForm.TransposedB:
                MatMul.MultiplyTransposedB(variant, left, right, destination, accumulate);
                break;
            default:
                MatMul.MultiplyTransposedA(variant, left, right, destination, accumulate);
                break;
        }
    }
}
