using System.Globalization;
using System.Numerics;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public class LossKernelTests
{
    private static readonly int[] ClassCounts = [1, 2, 3, 10, 17, 33];
    private const int Pitch = 3;

    /// <summary>Logits of ordinary size with every fifth one at ±200, where a naive exp overflows float.</summary>
    private static T[] Logits<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = new T[length];
        for (int i = 0; i < length; i++)
            x[i] = T.CreateTruncating(i % 5 == 0 ? (random.Next(2) * 2 - 1) * 200.0 : (random.NextDouble() * 2 - 1) * 8);
        return x;
    }

    private static T[] Uniform<T>(int length, int seed, double low, double high) where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateTruncating(low + random.NextDouble() * (high - low));
        return x;
    }

    private static double[,] ToDouble<T>(T[] data, int rows, int cols) where T : IFloatingPointIeee754<T>
    {
        var m = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) m[r, c] = double.CreateTruncating(data[r * (cols + Pitch) + c]);
        return m;
    }

    private static double[]? ToDouble<T>(T[] data) where T : IFloatingPointIeee754<T> =>
        data.Length == 0 ? null : Array.ConvertAll(data, double.CreateTruncating);

    private static string At(SimdVariant variant, int rows, int cols, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"{variant} [{rows}, {cols}] {what}");

    [Fact]
    public void Softmax_cross_entropy_value_and_gradient_match_reference_for_every_variant_shape_smoothing_and_weighting()
    {
        SoftmaxCrossEntropyAllShapes<float>();
        SoftmaxCrossEntropyAllShapes<double>();
    }

    private static void SoftmaxCrossEntropyAllShapes<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int classes in ClassCounts)
        for (int rows = 0; rows <= 67; rows++)
        {
            // Smoothing and the four weightings rotate over the batch sizes, so every combination meets every class count.
            int stride = classes + Pitch, weighting = (rows + classes) % 4;
            double epsilon = rows / 4 % 2 == 0 ? 0 : 0.1;
            T[] logits = Logits<T>(rows * stride, rows * 100 + classes);
            var labels = new int[rows];
            for (int b = 0; b < rows; b++) labels[b] = (b * 7 + classes) % classes;
            T[] sampleWeights = (weighting & 1) != 0 ? Uniform<T>(rows, rows, 0.1, 3) : [];
            T[] classWeights = (weighting & 2) != 0 ? Uniform<T>(classes, classes, 0.1, 3) : [];
            var gradient = new T[rows * stride];
            var expected = new double[rows, classes];
            var sensitivity = new double[rows, classes];
            (double loss, double lossSensitivity) = Reference.SoftmaxCrossEntropy(ToDouble(logits, rows, classes), labels, epsilon,
                ToDouble(sampleWeights), ToDouble(classWeights), expected, sensitivity);

            var view = new Span2D<T>(logits, 0, rows, classes, Pitch);
            T got = LossKernels.SoftmaxCrossEntropy<T>(view, labels, T.CreateTruncating(epsilon), sampleWeights, classWeights,
                new Span2D<T>(gradient, 0, rows, classes, Pitch), variant);
            T lossOnly = LossKernels.SoftmaxCrossEntropy<T>(view, labels, T.CreateTruncating(epsilon), sampleWeights, classWeights,
                Span2D<T>.Empty, variant);
            T inPlace = LossKernels.SoftmaxCrossEntropy<T>(view, labels, T.CreateTruncating(epsilon), sampleWeights, classWeights,
                view, variant);
            string where = At(variant, rows, classes, "ε " + epsilon + " weighting " + weighting);
            check.Check(loss, got, lossSensitivity, where + " loss");
            Assert.Equal(got, lossOnly);
            Assert.Equal(got, inPlace);
            for (int b = 0; b < rows; b++)
            {
                for (int c = 0; c < classes; c++)
                {
                    string element = where + string.Create(CultureInfo.InvariantCulture, $" δ[{b}, {c}]");
                    check.Check(expected[b, c], gradient[b * stride + c], sensitivity[b, c], element);
                    check.Check(expected[b, c], logits[b * stride + c], sensitivity[b, c], element + " in place");
                }
                for (int c = classes; c < stride; c++) Assert.True(gradient[b * stride + c] == T.Zero, "padding written in " + where);
            }
        }
        check.Verify();
    }

    [Fact]
    public void Unweighted_softmax_cross_entropy_is_the_mean_over_the_batch_of_the_per_sample_loss()
    {
        float[,] logits = { { 1, 2, 3 }, { 0.5f, -1, 4 } };
        int[] labels = [2, 0];
        var gradient = new float[2, 3];
        float loss = LossKernels.SoftmaxCrossEntropy<float>(logits, labels, 0f, gradient);
        double first = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3, second = Math.Log(Math.Exp(0.5) + Math.Exp(-1) + Math.Exp(4)) - 0.5;
        Assert.Equal((first + second) / 2, loss, 1e-6);
        float[] ones = [1, 1];
        Assert.Equal(loss, LossKernels.SoftmaxCrossEntropy<float>(logits, labels, 0f, ones, gradient), 1e-6);
        Assert.Equal(loss, LossKernels.SoftmaxCrossEntropy<float>(logits, labels, 0f, ones, [1f, 1f, 1f], gradient), 1e-6);
        float[] twiceTheFirst = [2, 1];
        Assert.Equal((2 * first + second) / 3, LossKernels.SoftmaxCrossEntropy<float>(logits, labels, 0f, twiceTheFirst, gradient), 1e-6);
    }

    [Fact]
    public void Gradient_of_softmax_cross_entropy_matches_finite_differences()
    {
        const int rows = 5, classes = 7;
        double[] logits = Uniform<double>(rows * classes, 11, -3, 3);
        int[] labels = [0, 6, 3, 3, 1];
        double[] sampleWeights = Uniform<double>(rows, 12, 0.2, 2), classWeights = Uniform<double>(classes, 13, 0.2, 2);
        foreach (SimdVariant variant in SimdSupport.All)
        {
            var gradient = new double[rows * classes];
            LossKernels.SoftmaxCrossEntropy<double>(new Span2D<double>(logits, rows, classes), labels, 0.2, sampleWeights, classWeights,
                new Span2D<double>(gradient, rows, classes), variant);
            double worst = 0;
            int worstAt = -1;
            for (int i = 0; i < logits.Length; i++)
            {
                double saved = logits[i], h = 1e-6;
                logits[i] = saved + h;
                double up = LossKernels.SoftmaxCrossEntropy<double>(new Span2D<double>(logits, rows, classes), labels, 0.2, sampleWeights,
                    classWeights, Span2D<double>.Empty, variant);
                logits[i] = saved - h;
                double down = LossKernels.SoftmaxCrossEntropy<double>(new Span2D<double>(logits, rows, classes), labels, 0.2, sampleWeights,
                    classWeights, Span2D<double>.Empty, variant);
                logits[i] = saved;
                double error = Math.Abs((up - down) / (2 * h) - gradient[i]);
                if (error > worst) (worst, worstAt) = (error, i);
            }
            Assert.True(worst < 1e-8, string.Create(CultureInfo.InvariantCulture, $"{variant}: largest difference {worst:G3} at element {worstAt}"));
        }
    }

    [Fact]
    public void Mean_squared_error_matches_reference_for_every_variant_and_shape()
    {
        PointwiseAllShapes<float>(false);
        PointwiseAllShapes<double>(false);
    }

    [Fact]
    public void Binary_cross_entropy_with_logits_matches_reference_for_every_variant_and_shape()
    {
        PointwiseAllShapes<float>(true);
        PointwiseAllShapes<double>(true);
    }

    private static void PointwiseAllShapes<T>(bool binaryCrossEntropy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (int cols in ClassCounts)
        for (int rows = 0; rows <= 67; rows++)
        {
            int stride = cols + Pitch;
            T[] y = Logits<T>(rows * stride, rows * 100 + cols);
            T[] t = binaryCrossEntropy ? Uniform<T>(rows * stride, rows + 7, 0, 1) : Logits<T>(rows * stride, rows + 7);
            T[] sampleWeights = rows % 2 == 1 ? Uniform<T>(rows, rows, 0, 3) : [];
            var gradient = new T[rows * stride];
            var yView = new Span2D<T>(y, 0, rows, cols, Pitch);
            var tView = new Span2D<T>(t, 0, rows, cols, Pitch);
            var gradientView = new Span2D<T>(gradient, 0, rows, cols, Pitch);
            T got = binaryCrossEntropy
                ? LossKernels.BinaryCrossEntropyWithLogits<T>(yView, tView, sampleWeights, gradientView, variant)
                : LossKernels.MeanSquaredError<T>(yView, tView, sampleWeights, gradientView, variant);

            double weightSum = 0, total = 0, totalSize = 0;
            for (int b = 0; b < rows; b++) weightSum += sampleWeights.Length == 0 ? 1 : double.CreateTruncating(sampleWeights[b]);
            string where = At(variant, rows, cols, binaryCrossEntropy ? "BCE" : "MSE");
            for (int b = 0; b < rows; b++)
            {
                double w = sampleWeights.Length == 0 ? 1 : double.CreateTruncating(sampleWeights[b]), scale = w / (weightSum * cols);
                for (int c = 0; c < cols; c++)
                {
                    double yi = double.CreateTruncating(y[b * stride + c]), ti = double.CreateTruncating(t[b * stride + c]);
                    (double loss, double derivative) = binaryCrossEntropy ? Reference.BinaryCrossEntropyWithLogits(yi, ti) : Reference.SquaredError(yi, ti);
                    total += w * loss;
                    totalSize += w * (Math.Abs(loss) + (binaryCrossEntropy ? Math.Abs(yi) * (1 + Math.Abs(ti)) : 0));
                    double sensitivity = binaryCrossEntropy
                        ? scale * (Math.Abs(ti) + Math.Abs(yi) * Reference.Sigmoid(yi) * Reference.Sigmoid(-yi))
                        : 2 * scale * (Math.Abs(yi) + Math.Abs(ti));
                    check.Check(scale * derivative, gradient[b * stride + c], sensitivity,
                        where + string.Create(CultureInfo.InvariantCulture, $" δ[{b}, {c}]"));
                }
            }
            check.Check(rows == 0 ? 0 : total / (weightSum * cols), got, rows == 0 ? 0 : totalSize / (weightSum * cols), where + " loss");

            T[] alias = (T[])y.Clone();
            var aliasView = new Span2D<T>(alias, 0, rows, cols, Pitch);
            T inPlace = binaryCrossEntropy
                ? LossKernels.BinaryCrossEntropyWithLogits<T>(aliasView, tView, sampleWeights, aliasView, variant)
                : LossKernels.MeanSquaredError<T>(aliasView, tView, sampleWeights, aliasView, variant);
            Assert.Equal(got, inPlace);
            for (int b = 0; b < rows; b++)
                for (int c = 0; c < stride; c++)
                    Assert.Equal(c < cols ? gradient[b * stride + c] : y[b * stride + c], alias[b * stride + c]);
        }
        check.Verify();
    }

    [Fact]
    public void Losses_of_logits_at_plus_minus_200_are_finite_and_exact_in_float()
    {
        foreach (SimdVariant variant in SimdSupport.All)
        {
            float[,] logits = { { 200, -200, 0 }, { -200, 200, -200 } };
            var gradient = new float[2, 3];
            float ce = LossKernels.SoftmaxCrossEntropy<float>(logits, [1, 1], 0f, ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, gradient, variant);
            Assert.Equal(200f, ce, 1e-4f);
            Assert.Equal(0.5f, gradient[0, 0]);
            Assert.Equal(-0.5f, gradient[0, 1]);
            float[,] targets = { { 1, 0, 0.5f }, { 0, 1, 1 } };
            float bce = LossKernels.BinaryCrossEntropyWithLogits<float>(logits, targets, ReadOnlySpan<float>.Empty, gradient, variant);
            Assert.Equal((200 + MathF.Log(2)) / 6, bce, 1e-5f);
            Assert.Equal(-1f / 6, gradient[1, 2], 1e-7f);
        }
    }

    [Fact]
    public void Special_values_give_nan_loss_for_nan_logits_and_zero_probability_for_negative_infinity()
    {
        foreach (SimdVariant variant in SimdSupport.All)
        {
            var gradient = new float[1, 3];
            float nan = LossKernels.SoftmaxCrossEntropy<float>(new float[,] { { 0, float.NaN, 1 } }, [0], 0f,
                ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, gradient, variant);
            Assert.True(float.IsNaN(nan), variant + " NaN logit");
            float loss = LossKernels.SoftmaxCrossEntropy<float>(new float[,] { { 0, float.NegativeInfinity, 0 } }, [0], 0f,
                ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, gradient, variant);
            Assert.Equal(MathF.Log(2), loss, 1e-6f);
            Assert.Equal(0f, gradient[0, 1]);
            float smoothed = LossKernels.SoftmaxCrossEntropy<float>(new float[,] { { 0, float.NegativeInfinity, 0 } }, [0], 0.1f,
                ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, gradient, variant);
            Assert.True(float.IsPositiveInfinity(smoothed), variant + " smoothing puts mass on a −∞ logit, as in PyTorch");
            Assert.True(float.IsNaN(LossKernels.MeanSquaredError<float>(new float[,] { { float.NaN } }, new float[1, 1],
                ReadOnlySpan<float>.Empty, gradient.AsSpan2D()[..1, ..1], variant)), variant + " MSE NaN");
        }
    }

    [Fact]
    public void Bad_input_throws_naming_the_argument_and_the_sizes()
    {
        var logits = new float[4, 3];
        var gradient = new float[4, 3];
        var e = Assert.Throws<ArgumentException>(() => LossKernels.MeanSquaredError<float>(logits, new float[4, 2], gradient));
        Assert.Equal("target", e.ParamName);
        Assert.Contains("[4, 2]", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => LossKernels.BinaryCrossEntropyWithLogits<float>(logits, logits, new float[5, 3]));
        Assert.Equal("gradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => LossKernels.MeanSquaredError<float>(logits, logits, new float[3], gradient));
        Assert.Equal("sampleWeights", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy<float>(logits, new int[3], 0f, gradient));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy<float>(logits, new int[4], 0f, [], new float[2], gradient));
        Assert.Equal("classWeights", e.ParamName);
        var flat = new float[20];
        e = Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy<float>(new Span2D<float>(flat, 0, 4, 3, 0), new int[4], 0f,
            new Span2D<float>(flat, 1, 4, 3, 0)));
        Assert.Equal("gradient", e.ParamName);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => LossKernels.SoftmaxCrossEntropy<float>(logits, [0, 2, 3, 1], 0f, gradient));
        Assert.Equal("labels", range.ParamName);
        Assert.Contains("labels[2] is 3", range.Message, StringComparison.Ordinal);
        Assert.Contains("3 classes", range.Message, StringComparison.Ordinal);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => LossKernels.SoftmaxCrossEntropy<float>(logits, [0, -1, 0, 0], 0f, gradient));
        Assert.Equal("labels", range.ParamName);
        foreach (float smoothing in new[] { -0.1f, 1.1f, float.NaN })
        {
            range = Assert.Throws<ArgumentOutOfRangeException>(() => LossKernels.SoftmaxCrossEntropy<float>(logits, new int[4], smoothing, gradient));
            Assert.Equal("labelSmoothing", range.ParamName);
        }
    }

    [Fact]
    public void Losses_allocate_nothing_in_steady_state()
    {
        var y = Logits<float>(16 * 10, 1);
        var t = Uniform<float>(16 * 10, 2, 0, 1);
        var gradient = new float[16 * 10];
        var labels = new int[16];
        var weights = Uniform<float>(16, 3, 0, 1);
        long allocated = SteadyState.AllocatedBytes(_ =>
        {
            var yView = new Span2D<float>(y, 16, 10);
            var tView = new Span2D<float>(t, 16, 10);
            var gView = new Span2D<float>(gradient, 16, 10);
            LossKernels.MeanSquaredError<float>(yView, tView, gView);
            LossKernels.MeanSquaredError<float>(yView, tView, weights, gView);
            LossKernels.BinaryCrossEntropyWithLogits<float>(yView, tView, gView);
            LossKernels.BinaryCrossEntropyWithLogits<float>(yView, tView, weights, gView);
            LossKernels.SoftmaxCrossEntropy<float>(yView, labels, 0.1f, gView);
            LossKernels.SoftmaxCrossEntropy<float>(yView, labels, 0.1f, weights, gView);
            LossKernels.SoftmaxCrossEntropy<float>(yView, labels, 0.1f, weights, weights.AsSpan(0, 10), gView);
        }, calls: 10_000);
        Assert.True(allocated == 0, "losses allocated " + allocated + " bytes in 10,000 calls");
    }
}
