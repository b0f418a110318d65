using System.Globalization;
using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public class ReductionTests
{
    private const int Pitch = 3;

    private static T[] Values<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * (i % 3 == 0 ? 100 : 1));
        return x;
    }

    private static string At(SimdVariant variant, string what) => string.Create(CultureInfo.InvariantCulture, $"{variant} {what}");

    [Fact]
    public void Sum_of_squares_shared_by_threads_is_the_single_thread_sum_bit_for_bit()
    {
        using var two = new WorkerPool(2);
        using var three = new WorkerPool(3);
        foreach (int length in new[] { 0, 1, 1023, 1024, 1025, 32 * 1024 - 1, 32 * 1024 + 17, 235_146 })
        {
            float[] x = Values<float>(length, length);
            double alone = VectorReductions.Dot<float>(x, x);
            var blockSums = new double[VectorReductions.BlockCount(length)];
            foreach (WorkerPool? pool in new[] { null, two, three })
            {
                double shared = VectorReductions.SumOfSquares<float>(x, pool, blockSums);
                Assert.True(BitConverter.DoubleToInt64Bits(alone) == BitConverter.DoubleToInt64Bits(shared),
                    string.Create(CultureInfo.InvariantCulture, $"length {length}, threads {pool?.ThreadCount ?? 1}: {shared:R} vs {alone:R}"));
            }
        }
    }

    [Fact]
    public void Column_sums_match_reference_on_strided_views_overwriting_and_accumulating()
    {
        ColumnSumsAllShapes<float>();
        ColumnSumsAllShapes<double>();
    }

    private static void ColumnSumsAllShapes<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int cols in new[] { 0, 1, 3, 10, 16, 17, 33, 67 })
        for (int rows = 0; rows <= 67; rows++)
        {
            T[] x = Values<T>(rows * (cols + Pitch), rows * 100 + cols);
            T[] start = Values<T>(cols + 1, cols);
            foreach (bool accumulate in new[] { false, true })
            {
                var sums = (T[])start.Clone();
                Reductions.ColumnSums<T>(new Span2D<T>(x, 0, rows, cols, Pitch), sums.AsSpan(0, cols), accumulate, variant);
                for (int j = 0; j < cols; j++)
                {
                    double expected = accumulate ? double.CreateTruncating(start[j]) : 0, size = Math.Abs(expected);
                    for (int i = 0; i < rows; i++)
                    {
                        double v = double.CreateTruncating(x[i * (cols + Pitch) + j]);
                        expected += v;
                        size += Math.Abs(v);
                    }
                    check.Check(expected, sums[j], size, At(variant, $"[{rows}, {cols}] column {j} accumulate {accumulate}"));
                }
                Assert.Equal(start[cols], sums[cols]);
            }
        }
        check.Verify();
    }

    [Fact]
    public void Sum_of_squares_matches_reference_at_every_small_length_and_at_a_million_elements()
    {
        SumOfSquaresAllLengths<float>();
        SumOfSquaresAllLengths<double>();
    }

    private static void SumOfSquaresAllLengths<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        T[] x = Values<T>(1_000_003, 9);
        foreach (SimdVariant variant in SimdSupport.All)
        {
            foreach (int length in Enumerable.Range(0, 68).Append(1024).Append(1_000_003))
            {
                double expected = CompensatedSumOfSquares(x.AsSpan(0, length));
                // Only a few ulps of T are allowed, also for 10⁶ terms: no error growth with the length.
                check.Check(expected, Reductions.SumOfSquares<T>(x.AsSpan(0, length), variant), 0, At(variant, "length " + length));
            }
        }
        check.Verify();
    }

    /// <summary>Σx² to within an ulp of double: exact squares by FMA, then Neumaier's compensated sum.</summary>
    private static double CompensatedSumOfSquares<T>(ReadOnlySpan<T> x) where T : IFloatingPointIeee754<T>
    {
        double sum = 0, compensation = 0;
        foreach (T value in x)
        {
            double v = double.CreateTruncating(value), square = v * v;
            Add(ref sum, ref compensation, square);
            Add(ref sum, ref compensation, Math.FusedMultiplyAdd(v, v, -square));
        }
        return sum + compensation;

        static void Add(ref double sum, ref double compensation, double term)
        {
            double next = sum + term;
            compensation += Math.Abs(sum) >= Math.Abs(term) ? sum - next + term : term - next + sum;
            sum = next;
        }
    }

    /// <summary>torch.argmax's rule, written plainly: NaN beats everything, the first index wins ties.</summary>
    private static int ReferenceArgMax(float[] x, int offset, int cols)
    {
        int best = 0;
        for (int j = 0; j < cols; j++)
        {
            float v = x[offset + j], b = x[offset + best];
            if (float.IsNaN(b)) break;
            if (float.IsNaN(v) || v > b) best = j;
        }
        return best;
    }

    [Fact]
    public void Arg_max_rows_gives_the_first_largest_index_and_the_first_nan_on_strided_views()
    {
        var random = new Random(5);
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int cols in new[] { 1, 2, 3, 10, 16, 17, 33, 67 })
        for (int rows = 0; rows <= 67; rows++)
        {
            int stride = cols + Pitch;
            var x = new float[rows * stride];
            for (int i = 0; i < x.Length; i++)
            {
                // Few distinct values, so ties are common; some rows get NaNs, ±0 or ±∞.
                x[i] = random.Next(6) - 3;
                if (rows % 4 == 1 && random.Next(8) == 0) x[i] = float.NaN;
                if (rows % 4 == 2 && random.Next(3) == 0) x[i] = random.Next(2) == 0 ? -0f : float.NegativeInfinity;
                if (rows % 4 == 3) x[i] = random.Next(3) == 0 ? float.NegativeInfinity : -x[i] - 10;
                if (i % stride >= cols) x[i] = 1e30f;
            }
            var indices = new int[rows + 1];
            indices[rows] = -7;
            Reductions.ArgMaxRows<float>(new Span2D<float>(x, 0, rows, cols, Pitch), indices.AsSpan(0, rows), variant);
            for (int r = 0; r < rows; r++)
                Assert.True(ReferenceArgMax(x, r * stride, cols) == indices[r], At(variant,
                    $"[{rows}, {cols}] row {r}: expected {ReferenceArgMax(x, r * stride, cols)}, got {indices[r]} for "
                    + string.Join(", ", x.Skip(r * stride).Take(cols))));
            Assert.Equal(-7, indices[rows]);
        }
    }

    [Fact]
    public void Arg_max_of_all_negative_infinity_is_the_first_index_and_of_all_nan_the_first_index()
    {
        foreach (SimdVariant variant in SimdSupport.All)
        {
            var indices = new int[2];
            var x = new float[2, 20];
            for (int j = 0; j < 20; j++) (x[0, j], x[1, j]) = (float.NegativeInfinity, float.NaN);
            x[1, 0] = 5;
            Reductions.ArgMaxRows<float>(x, indices, variant);
            Assert.Equal([0, 1], indices);
        }
    }

    [Fact]
    public void Bad_input_throws_naming_the_argument_and_the_sizes()
    {
        var x = new float[4, 3];
        var e = Assert.Throws<ArgumentException>(() => Reductions.ColumnSums<float>(x, new float[4]));
        Assert.Equal("sums", e.ParamName);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        var flat = new float[12];
        e = Assert.Throws<ArgumentException>(() => Reductions.ColumnSums<float>(new Span2D<float>(flat, 4, 3), flat.AsSpan(6, 3)));
        Assert.Equal("sums", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Reductions.ArgMaxRows<float>(x, new int[3]));
        Assert.Equal("indices", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Reductions.ArgMaxRows<float>(new float[2, 0], new int[2]));
        Assert.Equal("x", e.ParamName);
    }

    [Fact]
    public void Reductions_allocate_nothing_in_steady_state()
    {
        var x = Values<float>(128 * 256, 1);
        var sums = new float[256];
        var indices = new int[128];
        long allocated = SteadyState.AllocatedBytes(i =>
        {
            Reductions.ColumnSums<float>(new Span2D<float>(x, 16, 256), sums, accumulate: i % 2 == 0);
            Reductions.SumOfSquares<float>(x.AsSpan(0, 1500));
            Reductions.ArgMaxRows<float>(new Span2D<float>(x, 32, 10), indices.AsSpan(0, 32));
        }, calls: 10_000);
        Assert.True(allocated == 0, "reductions allocated " + allocated + " bytes in 10,000 calls");
    }
}
