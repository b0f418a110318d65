using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Backprop.Simd.Threading;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Reductions of flat spans: Σ x·y (and so Σ x²), Σ |x| and max |x|. The sums are accurate for any length: each block
/// of <see cref="BlockLength"/> elements is summed in T by four independent vector accumulators (at most 64 terms per
/// lane in float, and four chains hide the add latency), then the block's lanes are added into a double. A float
/// running sum would lose about log2(n) bits over 10⁶ elements; this keeps the error to a few ulps of T. The scalar
/// variant sums chunks of 16 terms in double. Each runs the variant given, else <see cref="SimdSupport.Active"/>.
/// </summary>
internal static class VectorReductions
{
    private const int BlockLength = 1024;

    public static double Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, SimdVariant? variant = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        Sum(x, y, new ProductTerm<T>(), variant ?? SimdSupport.Active);

    public static double SumOfMagnitudes<T>(ReadOnlySpan<T> x, SimdVariant? variant = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        Sum(x, x, new MagnitudeTerm<T>(), variant ?? SimdSupport.Active);

    /// <summary>max |x|, 0 for an empty span; NaN when any element is NaN.</summary>
    public static T MaxMagnitude<T>(ReadOnlySpan<T> x, SimdVariant? variant = null) where T : unmanaged, IFloatingPointIeee754<T> => (variant ?? SimdSupport.Active) switch
    {
        SimdVariant.Vector512 => MaxMagnitude<T, Vector512<T>, Vector512Ops<T>>(x),
        SimdVariant.Vector256 => MaxMagnitude<T, Vector256<T>, Vector256Ops<T>>(x),
        SimdVariant.Vector128 => MaxMagnitude<T, Vector128<T>, Vector128Ops<T>>(x),
        _ => MaxMagnitude<T, T, ScalarOps<T>>(x),
    };

    /// <summary>The blocks of a span of this length: the size of <see cref="SumOfSquares{T}(ReadOnlySpan{T}, WorkerPool?, Span{double})"/>'s buffer.</summary>
    public static int BlockCount(int length) => Sizes.CeilDiv(length, BlockLength);

    /// <summary>
    /// Σ x² exactly as <see cref="Dot{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, SimdVariant?)"/> sums it, its blocks shared by the
    /// pool's threads: each block's sum lands in <paramref name="blockSums"/> (<see cref="BlockCount"/> entries), which
    /// are then added in order, so the result is the same bit for bit for any thread count.
    /// </summary>
    public static unsafe double SumOfSquares<T>(ReadOnlySpan<T> x, WorkerPool? pool, Span<double> blockSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = BlockCount(x.Length);
        if (pool is null || pool.ThreadCount == 1 || blocks < MinimumParallelBlocks) return Dot(x, x, SimdSupport.Active);
        Check.Length(blocks, "BlockCount(x.Length)", blockSums.Length, nameof(blockSums));
        fixed (T* values = x)
        fixed (double* sums = blockSums)
        {
            int parts = Math.Min(pool.ThreadCount, blocks);
            var job = new SquaresJob<T>(values, x.Length, sums, Sizes.CeilDiv(blocks, parts), SimdSupport.Active);
            pool.Run(ref job, Sizes.CeilDiv(blocks, job.BlocksPerPart));
        }

        double total = 0;
        foreach (double sum in blockSums) total += sum;
        return total;
    }

    // Below this many blocks (about 5 µs of work) handing the sum to another thread costs more than it saves.
    private const int MinimumParallelBlocks = 32;

    private static double Sum<T, TTerm>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TTerm term, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerm : struct, ITerm<T>
    {
        Check.Length(x.Length, "the length of x", y.Length, nameof(y));
        double total = 0;
        for (int start = 0; start < x.Length; start += BlockLength) total += BlockSum(x, y, start, term, variant);
        return total;
    }

    private static double BlockSum<T, TTerm>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int start, TTerm term, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerm : struct, ITerm<T>
    {
        int length = Math.Min(BlockLength, x.Length - start);
        ReadOnlySpan<T> xb = x.Slice(start, length), yb = y.Slice(start, length);
        return variant switch
        {
            SimdVariant.Vector512 => Block<T, TTerm, Vector512<T>, Vector512Ops<T>>(xb, yb, term),
            SimdVariant.Vector256 => Block<T, TTerm, Vector256<T>, Vector256Ops<T>>(xb, yb, term),
            SimdVariant.Vector128 => Block<T, TTerm, Vector128<T>, Vector128Ops<T>>(xb, yb, term),
            _ => ScalarBlock(xb, yb, term),
        };
    }

    // Part p sums blocks [p·BlocksPerPart, (p + 1)·BlocksPerPart) of x², each into its own slot.
    private readonly unsafe struct SquaresJob<T>(T* x, int length, double* sums, int blocksPerPart, SimdVariant variant) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int BlocksPerPart { get; } = blocksPerPart;

        public void Execute(int part)
        {
            var values = new ReadOnlySpan<T>(x, length);
            int end = Math.Min(BlockCount(length), (part + 1) * BlocksPerPart);
            for (int block = part * BlocksPerPart; block < end; block++)
            {
                sums[block] = BlockSum(values, values, block * BlockLength, new ProductTerm<T>(), variant);
            }
        }
    }

    // Compiled fully optimised at first call, not tiered: the first epoch runs at full speed instead of in
    // unoptimised code, and the arithmetic never changes when a method is recompiled.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static double Block<T, TTerm, TVector, TOps>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TTerm term)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerm : struct, ITerm<T>
        where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        int width = TOps.Count, i = 0;
        TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        for (; i <= x.Length - 4 * width; i += 4 * width)
        {
            a0 = TOps.Add(a0, Term<T, TTerm, TVector, TOps>(ref xs, ref ys, i, term));
            a1 = TOps.Add(a1, Term<T, TTerm, TVector, TOps>(ref xs, ref ys, i + width, term));
            a2 = TOps.Add(a2, Term<T, TTerm, TVector, TOps>(ref xs, ref ys, i + 2 * width, term));
            a3 = TOps.Add(a3, Term<T, TTerm, TVector, TOps>(ref xs, ref ys, i + 3 * width, term));
        }
        for (; i <= x.Length - width; i += width) a0 = TOps.Add(a0, Term<T, TTerm, TVector, TOps>(ref xs, ref ys, i, term));
        return double.CreateTruncating(TOps.Sum(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)))) + Tail(x, y, i, term);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Term<T, TTerm, TVector, TOps>(ref T x, ref T y, int i, TTerm term)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerm : struct, ITerm<T>
        where TVector : struct where TOps : IVectorOps<TVector, T> =>
        term.Apply<TVector, TOps>(TOps.Load(in Unsafe.Add(ref x, i)), TOps.Load(in Unsafe.Add(ref y, i)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static double ScalarBlock<T, TTerm>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TTerm term)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerm : struct, ITerm<T>
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += 16)
        {
            int end = Math.Min(start + 16, x.Length);
            sum += Tail(x[..end], y[..end], start, term);
        }
        return sum;
    }

    // Terms from `start` on, each computed in double (for a product, exactly for float).
    private static double Tail<T, TTerm>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int start, TTerm term)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerm : struct, ITerm<T>
    {
        double sum = 0;
        for (int i = start; i < x.Length; i++)
            sum += TTerm.InDouble(double.CreateTruncating(x[i]), double.CreateTruncating(y[i]));
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static T MaxMagnitude<T, TVector, TOps>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        TVector max = TOps.Zero;
        nint i = 0;
        for (; i <= x.Length - TOps.Count; i += TOps.Count) max = TOps.Max(max, TOps.Abs(TOps.Load(in Unsafe.Add(ref xs, i))));
        T largest = TOps.Largest(max);
        for (; i < x.Length; i++) largest = T.Max(largest, T.Abs(Unsafe.Add(ref xs, i)));
        return largest;
    }

    // A summand: in vectors of T, and in double for the tail.
    private interface ITerm<T> : IVectorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract double InDouble(double x, double y);
    }

    private readonly struct ProductTerm<T> : ITerm<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static double InDouble(double x, double y) => x * y;

        public TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T> =>
            TOps.Multiply(x, y);
    }

    private readonly struct MagnitudeTerm<T> : ITerm<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static double InDouble(double x, double y) => Math.Abs(x);

        public TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T> =>
            TOps.Abs(x);
    }
}
