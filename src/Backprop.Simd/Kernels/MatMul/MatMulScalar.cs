using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The scalar variant: <c>C[m, n] (+)= A[m, k]·B[k, n]</c> in i-p-j order, so the innermost loop walks rows of B and C,
/// for processors without vector units.
/// </summary>
internal static unsafe class MatMulScalar
{
    public static void Run<T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int k, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            if (!accumulate)
            {
                for (int j = 0; j < n; j++) *c.At(i, j) = T.Zero;
            }

            for (int p = 0; p < k; p++)
            {
                T factor = *a.At(i, p);
                for (int j = 0; j < n; j++) *c.At(i, j) = MultiplyAddRule.Apply(factor, *b.At(p, j), *c.At(i, j));
            }
        }
    }
}
