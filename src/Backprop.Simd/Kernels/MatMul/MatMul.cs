using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The three matrix products of backpropagation over row-major views with explicit pitch. No transpose is ever
/// materialised: each form hands the same blocked kernel a view of its operands with swapped strides, and the kernel
/// packs small panels into per-thread buffers, so no call allocates once a thread has warmed up.
/// </summary>
/// <remarks>
/// The instruction-set variant is <see cref="SimdSupport.Active"/>. For a given variant the result does not depend on
/// the memory layout (pitch) of the operands. Destinations must not overlap sources.
/// </remarks>
public static unsafe partial class MatMul
{
    /// <summary>Forward product <c>Y = X·W</c> (or <c>Y += X·W</c>).</summary>
    /// <remarks>X: [m, k]  W: [k, n]  Y: [m, n].</remarks>
    /// <param name="x">Left operand, [m, k].</param>
    /// <param name="w">Right operand, [k, n].</param>
    /// <param name="y">Destination, [m, n]; must not overlap <paramref name="x"/> or <paramref name="w"/>.</param>
    /// <param name="accumulate">Add the product to <paramref name="y"/> instead of overwriting it.</param>
    /// <exception cref="ArgumentException">The shapes disagree or <paramref name="y"/> overlaps a source.</exception>
    public static void Multiply<T>(ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, Span2D<T> y, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(SimdSupport.Active, x, w, y, accumulate);

    /// <summary>Input-error product <c>C = A·Bᵀ</c> (or <c>C += A·Bᵀ</c>), e.g. <c>δX = δY·Wᵀ</c>.</summary>
    /// <remarks>A: [m, n]  B: [k, n]  C: [m, k].</remarks>
    /// <param name="a">Left operand, [m, n].</param>
    /// <param name="b">Right operand before transposition, [k, n].</param>
    /// <param name="c">Destination, [m, k]; must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <param name="accumulate">Add the product to <paramref name="c"/> instead of overwriting it.</param>
    /// <exception cref="ArgumentException">The shapes disagree or <paramref name="c"/> overlaps a source.</exception>
    public static void MultiplyTransposedB<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyTransposedB(SimdSupport.Active, a, b, c, accumulate);

    /// <summary>Weight-gradient product <c>C = Aᵀ·B</c> (or <c>C += Aᵀ·B</c>), e.g. <c>∂W = Xᵀ·δY</c>.</summary>
    /// <remarks>A: [m, k]  B: [m, n]  C: [k, n].</remarks>
    /// <param name="a">Left operand before transposition, [m, k].</param>
    /// <param name="b">Right operand, [m, n].</param>
    /// <param name="c">Destination, [k, n]; must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <param name="accumulate">Add the product to <paramref name="c"/> instead of overwriting it.</param>
    /// <exception cref="ArgumentException">The shapes disagree or <paramref name="c"/> overlaps a source.</exception>
    public static void MultiplyTransposedA<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyTransposedA(SimdSupport.Active, a, b, c, accumulate);

    /// <summary>Forward product <c>Y = X·W</c> (or <c>Y += X·W</c>) shared among the threads of <paramref name="pool"/>.</summary>
    /// <remarks>X: [m, k]  W: [k, n]  Y: [m, n]. Bit-identical to the single-threaded product for any thread count.</remarks>
    /// <param name="x">Left operand, [m, k].</param>
    /// <param name="w">Right operand, [k, n].</param>
    /// <param name="y">Destination, [m, n]; must not overlap <paramref name="x"/> or <paramref name="w"/>.</param>
    /// <param name="accumulate">Add the product to <paramref name="y"/> instead of overwriting it.</param>
    /// <param name="pool">Threads to share the work; null runs on the calling thread alone.</param>
    /// <exception cref="ArgumentException">The shapes disagree or <paramref name="y"/> overlaps a source.</exception>
    public static void Multiply<T>(ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, Span2D<T> y, bool accumulate, WorkerPool? pool)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(SimdSupport.Active, x, w, y, accumulate, pool);

    /// <summary>Input-error product <c>C = A·Bᵀ</c> (or <c>C += A·Bᵀ</c>) shared among the threads of <paramref name="pool"/>.</summary>
    /// <remarks>A: [m, n]  B: [k, n]  C: [m, k]. Bit-identical to the single-threaded product for any thread count.</remarks>
    /// <param name="a">Left operand, [m, n].</param>
    /// <param name="b">Right operand before transposition, [k, n].</param>
    /// <param name="c">Destination, [m, k]; must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <param name="accumulate">Add the product to <paramref name="c"/> instead of overwriting it.</param>
    /// <param name="pool">Threads to share the work; null runs on the calling thread alone.</param>
    /// <exception cref="ArgumentException">The shapes disagree or <paramref name="c"/> overlaps a source.</exception>
    public static void MultiplyTransposedB<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate, WorkerPool? pool)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyTransposedB(SimdSupport.Active, a, b, c, accumulate, pool);

    /// <summary>Weight-gradient product <c>C = Aᵀ·B</c> (or <c>C += Aᵀ·B</c>) shared among the threads of <paramref name="pool"/>.</summary>
    /// <remarks>A: [m, k]  B: [m, n]  C: [k, n]. Bit-identical to the single-threaded product for any thread count.</remarks>
    /// <param name="a">Left operand before transposition, [m, k].</param>
    /// <param name="b">Right operand, [m, n].</param>
    /// <param name="c">Destination, [k, n]; must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <param name="accumulate">Add the product to <paramref name="c"/> instead of overwriting it.</param>
    /// <param name="pool">Threads to share the work; null runs on the calling thread alone.</param>
    /// <exception cref="ArgumentException">The shapes disagree or <paramref name="c"/> overlaps a source.</exception>
    public static void MultiplyTransposedA<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate, WorkerPool? pool)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyTransposedA(SimdSupport.Active, a, b, c, accumulate, pool);

    // The overloads below take the variant explicitly so tests can run every one on this machine. A variant the
    // processor lacks still computes correctly (the runtime emulates wide vectors), only slowly.

    internal static void Multiply<T>(SimdVariant variant, ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, Span2D<T> y, bool accumulate = false, WorkerPool? pool = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(variant, x, w, y, accumulate, pool, default(NoEpilogue));

    // The product, then the epilogue over y, each thread over its own part of y.
    internal static void Multiply<T, TEpilogue>(SimdVariant variant, ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, Span2D<T> y, bool accumulate,
        WorkerPool? pool, in TEpilogue epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : struct, IProductEpilogue
    {
        RequireEqual(x.Width, w.Height, nameof(w), "w.Height must equal x.Width", x, w);
        RequireShape(y, x.Height, w.Width, nameof(y));
        RequireDisjoint(y, x, nameof(y), nameof(x));
        RequireDisjoint(y, w, nameof(y), nameof(w));
        fixed (T* px = &x.DangerousGetReference(), pw = &w.DangerousGetReference(), py = &y.DangerousGetReference())
        {
            Product(variant,
                new MatrixView<T>(px, Check.Stride<T>(x), 1),
                new MatrixView<T>(pw, Check.Stride<T>(w), 1),
                new MatrixView<T>(py, Check.Stride<T>(y), 1),
                y.Height, y.Width, x.Width, accumulate, pool, epilogue);
        }
    }

    internal static void MultiplyTransposedB<T>(SimdVariant variant, ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate = false, WorkerPool? pool = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyTransposedB(variant, a, b, c, accumulate, pool, default(NoEpilogue));

    // The product, then the epilogue over c, each thread over its own part of c.
    internal static void MultiplyTransposedB<T, TEpilogue>(SimdVariant variant, ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate,
        WorkerPool? pool, in TEpilogue epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : struct, IProductEpilogue
    {
        RequireEqual(a.Width, b.Width, nameof(b), "b.Width must equal a.Width", a, b);
        RequireShape(c, a.Height, b.Height, nameof(c));
        RequireDisjoint(c, a, nameof(c), nameof(a));
        RequireDisjoint(c, b, nameof(c), nameof(b));
        fixed (T* pa = &a.DangerousGetReference(), pb = &b.DangerousGetReference(), pc = &c.DangerousGetReference())
        {
            Product(variant,
                new MatrixView<T>(pa, Check.Stride<T>(a), 1),
                new MatrixView<T>(pb, Check.Stride<T>(b), 1).Transposed,
                new MatrixView<T>(pc, Check.Stride<T>(c), 1),
                c.Height, c.Width, a.Width, accumulate, pool, epilogue);
        }
    }

    internal static void MultiplyTransposedA<T>(SimdVariant variant, ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool accumulate = false, WorkerPool? pool = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireEqual(a.Height, b.Height, nameof(b), "b.Height must equal a.Height", a, b);
        RequireShape(c, a.Width, b.Width, nameof(c));
        RequireDisjoint(c, a, nameof(c), nameof(a));
        RequireDisjoint(c, b, nameof(c), nameof(b));
        fixed (T* pa = &a.DangerousGetReference(), pb = &b.DangerousGetReference(), pc = &c.DangerousGetReference())
        {
            Product(variant,
                new MatrixView<T>(pa, Check.Stride<T>(a), 1).Transposed,
                new MatrixView<T>(pb, Check.Stride<T>(b), 1),
                new MatrixView<T>(pc, Check.Stride<T>(c), 1),
                c.Height, c.Width, a.Height, accumulate, pool, default(NoEpilogue));
        }
    }

    // C[m, n] (+)= A[m, k]·B[k, n], all three forms once their views are set up.
    private static void Product<T, TEpilogue>(SimdVariant variant, MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int k, bool accumulate,
        WorkerPool? pool, in TEpilogue epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : struct, IProductEpilogue
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) MatMulScalar.Run(a, b, c, m, n, 0, accumulate: false);
            epilogue.Apply(0, m, 0, n);
            return;
        }

        switch (variant)
        {
            case SimdVariant.Vector512:
                Planned<Vector512Ops<T>, Vector512<T>, T, TEpilogue>(a, b, c, m, n, k, accumulate, pool, epilogue);
                break;
            case SimdVariant.Vector256:
                Planned<Vector256Ops<T>, Vector256<T>, T, TEpilogue>(a, b, c, m, n, k, accumulate, pool, epilogue);
                break;
            case SimdVariant.Vector128:
                Planned<Vector128Ops<T>, Vector128<T>, T, TEpilogue>(a, b, c, m, n, k, accumulate, pool, epilogue);
                break;
            default:
                MatMulScalar.Run(a, b, c, m, n, k, accumulate);
                epilogue.Apply(0, m, 0, n);
                break;
        }
    }

    private static void Planned<TOps, TVector, T, TEpilogue>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int k, bool accumulate,
        WorkerPool? pool, in TEpilogue epilogue)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : struct, IProductEpilogue
    {
        // Cᵀ = Bᵀ·Aᵀ: the same product with views swapped, chosen when it fills the register tiles better (a narrow C)
        // and the swapped B packs cheaply: by contiguous rows (A a transposed view) or by block transposes (where the
        // transposed C is also written by block transposes and masks).
        bool swappedBPacks = a.RowStride == 1 || (TOps.HasBlockTranspose && TOps.MasksAreCheap && a.ColumnStride == 1);
        bool transposed = m > 1 && (n == 1 || (swappedBPacks && SwapFillsTilesBetter(m, n, TOps.TileRows, 2 * TOps.Count)));
        if (transposed)
        {
            (a, b, c, m, n) = (b.Transposed, a.Transposed, c.Transposed, n, m);
        }

        var job = new MatMulJob<TOps, TVector, T, TEpilogue>(a, b, c, m, n, k, accumulate, transposed, epilogue);
        int parts = pool is null ? 1 : job.Plan(pool.ThreadCount);
        if (parts == 1)
        {
            job.Execute(0);
        }
        else
        {
            pool!.Run(ref job, parts);
        }
    }

    private static bool SwapFillsTilesBetter(int m, int n, int tileRows, int panelWidth)
    {
        long asIs = (long)Sizes.RoundUp(m, tileRows) * Sizes.RoundUp(n, panelWidth);
        long swapped = (long)Sizes.RoundUp(n, tileRows) * Sizes.RoundUp(m, panelWidth);
        return swapped * 4 < asIs * 3;
    }


    private static void RequireEqual<T>(int left, int right, string parameter, string rule, ReadOnlySpan2D<T> first, ReadOnlySpan2D<T> second)
    {
        if (left != right) ThrowShape(parameter, rule, first.Height, first.Width, second.Height, second.Width);
    }

    private static void RequireShape<T>(Span2D<T> destination, int height, int width, string parameter)
    {
        if (destination.Height != height || destination.Width != width)
        {
            ThrowDestination(parameter, destination.Height, destination.Width, height, width);
        }
    }

    private static void RequireDisjoint<T>(Span2D<T> destination, ReadOnlySpan2D<T> source, string destinationName, string sourceName)
    {
        if (Check.SharesMemory<T>(destination, source)) ThrowOverlap(destinationName, sourceName);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShape(string parameter, string rule, int firstHeight, int firstWidth, int secondHeight, int secondWidth) =>
        throw new ArgumentException(
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Operands are [{firstHeight}, {firstWidth}] and [{secondHeight}, {secondWidth}]: {rule}."),
            parameter);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestination(string parameter, int height, int width, int expectedHeight, int expectedWidth) =>
        throw new ArgumentException(
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Destination is [{height}, {width}] but the product is [{expectedHeight}, {expectedWidth}]."),
            parameter);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string destination, string source) =>
        throw new ArgumentException(
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Destination {destination} overlaps source {source}; the product cannot be computed in place."),
            destination);
}
