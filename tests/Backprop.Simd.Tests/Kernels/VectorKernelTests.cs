using System.Globalization;
using System.Numerics;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

/// <summary>The flat-span kernels of L-BFGS, gradient clipping and inference, in every variant at every small length.</summary>
public class VectorKernelTests
{
    private static readonly int[] Lengths = [.. Enumerable.Range(0, 68), 1000, 4099];

    private static T[] Values<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * (i % 3 == 0 ? 100 : 1));
        return x;
    }

    private static string At(SimdVariant variant, int length) => string.Create(CultureInfo.InvariantCulture, $"{variant} length {length}");

    [Fact]
    public void Elementwise_arithmetic_rounds_each_operation_exactly_as_scalar_code_in_every_variant()
    {
        Arithmetic<float>();
        Arithmetic<double>();
    }

    private static void Arithmetic<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = T.CreateTruncating(-0.3713);
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int length in Lengths)
        {
            T[] x = Values<T>(length, length), y = Values<T>(length, length + 1), d = new T[length];
            VectorArithmetic.Scale<T>(x, a, d, variant);
            for (int i = 0; i < length; i++) Assert.True(x[i] * a == d[i], At(variant, length) + " scale at " + i);
            VectorArithmetic.MultiplyAdd<T>(x, a, y, d, variant);
            for (int i = 0; i < length; i++) Assert.True(x[i] * a + y[i] == d[i], At(variant, length) + " multiply-add at " + i);
            VectorArithmetic.Subtract<T>(x, y, d, variant);
            for (int i = 0; i < length; i++) Assert.True(x[i] - y[i] == d[i], At(variant, length) + " subtract at " + i);
            VectorArithmetic.Negate<T>(x, d, variant);
            for (int i = 0; i < length; i++) Assert.True(-x[i] == d[i], At(variant, length) + " negate at " + i);

            // In place: the destination is the addend, element for element.
            var inPlace = (T[])y.Clone();
            VectorArithmetic.MultiplyAdd<T>(x, a, inPlace, inPlace, variant);
            for (int i = 0; i < length; i++) Assert.True(x[i] * a + y[i] == inPlace[i], At(variant, length) + " in place at " + i);
        }
    }

    [Fact]
    public void Arithmetic_refuses_spans_of_different_lengths()
    {
        float[] x = new float[5], y = new float[4];
        Assert.Throws<ArgumentException>(() => VectorArithmetic.Subtract<float>(x, y, new float[5]));
        Assert.Throws<ArgumentException>(() => VectorArithmetic.Scale<float>(x, 2f, new float[6]));
    }

    [Fact]
    public void Dot_products_and_magnitude_sums_match_the_double_reference_in_every_variant()
    {
        Sums<float>();
        Sums<double>();
    }

    private static void Sums<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int length in Lengths.Append(100_003))
        {
            T[] x = Values<T>(length, 3 * length), y = Values<T>(length, 3 * length + 1);
            var dot = new CompensatedSum();
            var magnitudes = new CompensatedSum();
            double size = 0;
            for (int i = 0; i < length; i++)
            {
                double xi = double.CreateTruncating(x[i]), yi = double.CreateTruncating(y[i]), product = xi * yi;
                dot.Add(product);
                dot.Add(Math.FusedMultiplyAdd(xi, yi, -product));
                size += Math.Abs(product);
                magnitudes.Add(Math.Abs(xi));
            }
            // The error may scale with Σ|x·y| (cancellation), never with the length.
            check.Check(dot.Value, T.CreateTruncating(VectorReductions.Dot<T>(x, y, variant)), size, At(variant, length) + " dot");
            check.Check(magnitudes.Value, T.CreateTruncating(VectorReductions.SumOfMagnitudes<T>(x, variant)), 0, At(variant, length) + " Σ|x|");
        }
        check.Verify();
    }

    [Fact]
    public void Max_magnitude_is_exact_and_propagates_NaN_in_every_variant()
    {
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int length in Lengths)
        {
            float[] x = Values<float>(length, length);
            float expected = 0;
            foreach (float v in x) expected = Math.Max(expected, Math.Abs(v));
            Assert.Equal(expected, VectorReductions.MaxMagnitude<float>(x, variant));
            for (int at = 0; at < Math.Min(length, 20); at++)
            {
                float[] withNaN = (float[])x.Clone();
                withNaN[at] = float.NaN;
                Assert.True(float.IsNaN(VectorReductions.MaxMagnitude<float>(withNaN, variant)), At(variant, length) + " NaN at " + at);
            }
        }
    }

    [Fact]
    public void Finite_check_finds_a_NaN_or_infinity_at_every_position_in_every_variant()
    {
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int length in Enumerable.Range(0, 68).Append(1000))
        {
            double[] x = Values<double>(length, length);
            Assert.True(Finite.All<double>(x, variant), At(variant, length));
            for (int at = 0; at < length; at++)
            foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                double kept = x[at];
                x[at] = bad;
                Assert.False(Finite.All<double>(x, variant), At(variant, length) + " " + bad + " at " + at);
                x[at] = kept;
            }
            float[] huge = [.. Enumerable.Repeat(float.MaxValue, length)];
            Assert.True(Finite.All<float>(huge, variant), At(variant, length) + " float.MaxValue everywhere");
        }
    }

    [Fact]
    public void Softmax_rows_match_the_double_reference_in_place_and_not_in_every_variant()
    {
        Softmax<float>();
        Softmax<double>();
    }

    private static void Softmax<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int classes in new[] { 1, 2, 3, 10, 16, 17, 33, 67 })
        {
            const int rows = 5;
            T[] logits = Values<T>(rows * classes, classes);
            logits[0] = T.CreateTruncating(300); // a shift that a naive exp would overflow in float
            var probabilities = new T[rows * classes];
            LossKernels.Softmax<T>(new ReadOnlySpan2D<T>(logits, rows, classes), new Span2D<T>(probabilities, rows, classes), variant);
            var inPlace = (T[])logits.Clone();
            LossKernels.Softmax<T>(new ReadOnlySpan2D<T>(inPlace, rows, classes), new Span2D<T>(inPlace, rows, classes), variant);
            Assert.Equal(probabilities, inPlace);
            for (int row = 0; row < rows; row++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < classes; c++) max = Math.Max(max, double.CreateTruncating(logits[row * classes + c]));
                for (int c = 0; c < classes; c++) sum += Math.Exp(double.CreateTruncating(logits[row * classes + c]) - max);
                for (int c = 0; c < classes; c++)
                {
                    double shifted = double.CreateTruncating(logits[row * classes + c]) - max;
                    double expected = Math.Exp(shifted) / sum;
                    // exp amplifies the rounding of its shifted input by |shifted|.
                    check.Check(expected, probabilities[row * classes + c], expected * Math.Abs(shifted),
                        string.Create(CultureInfo.InvariantCulture, $"{variant} [{row}, {c}] of {classes}"));
                }
            }
        }
        check.Verify();
    }

    /// <summary>Neumaier's compensated sum: within an ulp of double for these lengths.</summary>
    private struct CompensatedSum
    {
        private double sum, compensation;

        public readonly double Value => sum + compensation;

        public void Add(double term)
        {
            double next = sum + term;
            compensation += Math.Abs(sum) >= Math.Abs(term) ? sum - next + term : term - next + sum;
            sum = next;
        }
    }
}
