using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Vector × matrix, <c>c[1, n] (+)= a[1, k]·B[k, n]</c>: the batch-1 case, where a register tile of many rows would
/// waste all but one. The product is bound by reading B once, so B is read in place, never packed.
/// </summary>
internal static unsafe class MatMulSingleRow
{
    /// <summary>Vectors of columns each pass over B accumulates: eight independent FMA chains hide the FMA latency.</summary>
    internal const int ColumnVectorsPerStep = 8;
    private const int DotsPerStep = 4;

    // Compiled fully optimised at first call, not tiered: the first epoch runs at full speed instead of in
    // unoptimised code, and the arithmetic never changes when a method is recompiled. Never inlined into a tiered
    // caller, where PGO's rewrite can run out of inlining budget and turn the vector helpers into calls.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run<TOps, TVector, T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int n, int k, bool accumulate)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* results = stackalloc T[ColumnVectorsPerStep * TOps.Count];
        if (b.ColumnStride == 1)
        {
            AlongRows<TOps, TVector, T>(a, b, c, n, k, accumulate, results);
        }
        else
        {
            // B's columns are contiguous: each output is a dot product; the row of a is made contiguous once.
            T* x = MatMulPackingBuffers.PanelA<T>(k);
            for (int p = 0; p < k; p++) x[p] = *a.At(0, p);
            AlongColumns<TOps, TVector, T>(x, b, c, n, k, accumulate, results);
        }
    }

    // Rows of B are contiguous: c accumulates a[p]·B[p, :], eight vectors of columns at a time so that eight
    // independent FMA chains hide the FMA latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AlongRows<TOps, TVector, T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int n, int k, bool accumulate, T* results)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TOps.Count;
        int j0 = 0;
        for (; j0 + (ColumnVectorsPerStep * width) <= n; j0 += ColumnVectorsPerStep * width)
        {
            TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            TVector s4 = TOps.Zero, s5 = TOps.Zero, s6 = TOps.Zero, s7 = TOps.Zero;
            T* x = a.Origin;
            T* row = b.At(0, j0);
            for (int p = 0; p < k; p++, x += a.ColumnStride, row += b.RowStride)
            {
                TVector xp = TOps.Broadcast(*x);
                s0 = TOps.MultiplyAdd(xp, TOps.Load(in *row), s0);
                s1 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + width)), s1);
                s2 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + (2 * width))), s2);
                s3 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + (3 * width))), s3);
                s4 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + (4 * width))), s4);
                s5 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + (5 * width))), s5);
                s6 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + (6 * width))), s6);
                s7 = TOps.MultiplyAdd(xp, TOps.Load(in *(row + (7 * width))), s7);
            }

            TOps.Store(s0, ref *results);
            TOps.Store(s1, ref *(results + width));
            TOps.Store(s2, ref *(results + (2 * width)));
            TOps.Store(s3, ref *(results + (3 * width)));
            TOps.Store(s4, ref *(results + (4 * width)));
            TOps.Store(s5, ref *(results + (5 * width)));
            TOps.Store(s6, ref *(results + (6 * width)));
            TOps.Store(s7, ref *(results + (7 * width)));
            Write(results, c, j0, ColumnVectorsPerStep * width, accumulate);
        }

        for (; j0 + width <= n; j0 += width)
        {
            TVector s = TOps.Zero;
            for (int p = 0; p < k; p++) s = TOps.MultiplyAdd(TOps.Broadcast(*a.At(0, p)), TOps.Load(in *(b.At(p, j0))), s);
            TOps.Store(s, ref *results);
            Write(results, c, j0, width, accumulate);
        }

        for (; j0 < n; j0++)
        {
            T s = T.Zero;
            for (int p = 0; p < k; p++) s = MultiplyAddRule.Apply(*a.At(0, p), *b.At(p, j0), s);
            Write(&s, c, j0, 1, accumulate);
        }
    }

    // Columns of B are contiguous: four dot products at a time share each vector of x.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AlongColumns<TOps, TVector, T>(T* x, MatrixView<T> b, MatrixView<T> c, int n, int k, bool accumulate, T* results)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TOps.Count;
        int vectorEnd = k - (k % width);
        int j = 0;
        for (; j + DotsPerStep <= n; j += DotsPerStep)
        {
            T* b0 = b.At(0, j), b1 = b.At(0, j + 1), b2 = b.At(0, j + 2), b3 = b.At(0, j + 3);
            TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            for (int p = 0; p < vectorEnd; p += width)
            {
                TVector xv = TOps.Load(in *(x + p));
                s0 = TOps.MultiplyAdd(xv, TOps.Load(in *(b0 + p)), s0);
                s1 = TOps.MultiplyAdd(xv, TOps.Load(in *(b1 + p)), s1);
                s2 = TOps.MultiplyAdd(xv, TOps.Load(in *(b2 + p)), s2);
                s3 = TOps.MultiplyAdd(xv, TOps.Load(in *(b3 + p)), s3);
            }

            T r0 = TOps.Sum(s0), r1 = TOps.Sum(s1), r2 = TOps.Sum(s2), r3 = TOps.Sum(s3);
            for (int p = vectorEnd; p < k; p++)
            {
                r0 = MultiplyAddRule.Apply(x[p], b0[p], r0);
                r1 = MultiplyAddRule.Apply(x[p], b1[p], r1);
                r2 = MultiplyAddRule.Apply(x[p], b2[p], r2);
                r3 = MultiplyAddRule.Apply(x[p], b3[p], r3);
            }

            results[0] = r0;
            results[1] = r1;
            results[2] = r2;
            results[3] = r3;
            Write(results, c, j, DotsPerStep, accumulate);
        }

        for (; j < n; j++)
        {
            T* bj = b.At(0, j);
            TVector s = TOps.Zero;
            for (int p = 0; p < vectorEnd; p += width) s = TOps.MultiplyAdd(TOps.Load(in *(x + p)), TOps.Load(in *(bj + p)), s);
            T r = TOps.Sum(s);
            for (int p = vectorEnd; p < k; p++) r = MultiplyAddRule.Apply(x[p], bj[p], r);
            Write(&r, c, j, 1, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Write<T>(T* results, MatrixView<T> c, int j0, int count, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < count; j++)
        {
            T* target = c.At(0, j0 + j);
            *target = accumulate ? *target + results[j] : results[j];
        }
    }
}
