using System.Globalization;
using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public class ActivationKernelTests
{
    public static TheoryData<ActivationKind> Kinds() => new(Enum.GetValues<ActivationKind>());

    private static Activation Of(ActivationKind kind) => kind switch
    {
        ActivationKind.LeakyRelu => Activation.LeakyRelu(),
        ActivationKind.Elu => Activation.Elu(1.5),
        _ => new Activation(kind),
    };

    private static T[] Inputs<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = new T[length];
        for (int i = 0; i < length; i++)
        {
            double scale = (i % 7) switch { 0 => 30, 1 => 0.01, _ => 4 };
            x[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private static double Sensitivity(Activation a, double x) => x * Reference.Derivative(a, x);

    private static double DerivativeSensitivity(Activation a, double x)
    {
        double h = 1e-5 * Math.Max(1, Math.Abs(x));
        return x * (Reference.Derivative(a, x + h) - Reference.Derivative(a, x - h)) / (2 * h);
    }

    private static string At(SimdVariant variant, int length, int i, string how) =>
        string.Create(CultureInfo.InvariantCulture, $"{variant} length {length} index {i} ({how})");

    [Theory, MemberData(nameof(Kinds))]
    public void Forward_matches_reference_for_every_variant_and_length_in_and_out_of_place(ActivationKind kind)
    {
        ForwardAllLengths<float>(Of(kind));
        ForwardAllLengths<double>(Of(kind));
    }

    private static void ForwardAllLengths<T>(Activation a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        T[] source = Inputs<T>(300, 1);
        foreach (SimdVariant variant in SimdSupport.All)
        {
            for (int length = 0; length <= 300; length++)
            {
                var x = source.AsSpan(0, length);
                var y = new T[length + 1];
                y[length] = T.CreateTruncating(12345);
                ActivationKernels.Forward(x, a, y.AsSpan(0, length), variant);
                var inPlace = x.ToArray();
                ActivationKernels.Forward(inPlace, a, inPlace.AsSpan(), variant);
                for (int i = 0; i < length; i++)
                {
                    double xi = double.CreateTruncating(x[i]);
                    check.Check(Reference.Value(a, xi), y[i], Sensitivity(a, xi), At(variant, length, i, "out of place"));
                    check.Check(Reference.Value(a, xi), inPlace[i], Sensitivity(a, xi), At(variant, length, i, "in place"));
                }
                Assert.Equal(T.CreateTruncating(12345), y[length]);
            }
        }
        check.Verify();
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Derivative_matches_reference_for_every_variant_and_length(ActivationKind kind)
    {
        DerivativeAllLengths<float>(Of(kind));
        DerivativeAllLengths<double>(Of(kind));
    }

    private static void DerivativeAllLengths<T>(Activation a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var check = new Agreement<T>();
        T[] x = Inputs<T>(300, 2);
        var y = new T[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(Reference.Value(a, double.CreateTruncating(x[i])));
        foreach (SimdVariant variant in SimdSupport.All)
        {
            for (int length = 0; length <= 300; length++)
            {
                var d = new T[length];
                ActivationKernels.Derivative<T>(x.AsSpan(0, length), y.AsSpan(0, length), a, d, variant);
                for (int i = 0; i < length; i++)
                {
                    double xi = double.CreateTruncating(x[i]), yi = double.CreateTruncating(y[i]);
                    if (a.DerivativeNeedsPreActivation)
                        check.Check(Reference.Derivative(a, xi), d[i], DerivativeSensitivity(a, xi), At(variant, length, i, "from z"));
                    else
                        check.Check(Reference.DerivativeFromOutput(a, yi), d[i], 0, At(variant, length, i, "from y"));
                }
            }
        }
        check.Verify();
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Derivative_matches_central_finite_differences_in_double(ActivationKind kind)
    {
        Activation a = Of(kind);
        double[] x = Inputs<double>(200, 3);
        foreach (SimdVariant variant in SimdSupport.All)
        {
            var y = new double[x.Length];
            var d = new double[x.Length];
            ActivationKernels.Forward<double>(x, a, y, variant);
            ActivationKernels.Derivative<double>(x, y, a, d, variant);
            double worst = 0;
            int worstAt = -1;
            for (int i = 0; i < x.Length; i++)
            {
                if (kind is ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Elu && Math.Abs(x[i]) < 1e-3) continue;
                if (kind == ActivationKind.Softplus && Math.Abs(x[i] - 20) < 1e-3) continue;
                double h = 1e-6 * Math.Max(1, Math.Abs(x[i]));
                double[] probe = [x[i] + h, x[i] - h];
                ActivationKernels.Forward<double>(probe, a, probe, variant);
                double numeric = (probe[0] - probe[1]) / (2 * h);
                double error = Math.Abs(numeric - d[i]) / (1e-6 + Math.Abs(d[i]));
                if (error > worst) (worst, worstAt) = (error, i);
            }
            Assert.True(worst < 1e-5, string.Create(CultureInfo.InvariantCulture,
                $"{variant}: largest relative difference {worst:G3} at index {worstAt} (x = {(worstAt < 0 ? 0 : x[worstAt]):R})"));
        }
    }

    public static TheoryData<float> SpecialValues() => new(0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        1e4f, -1e4f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 88.8f, -88.8f, 20f, 20.000002f, 1e-30f, -1e-30f);

    [Theory, MemberData(nameof(SpecialValues))]
    public void Forward_handles_special_values_without_spurious_nan_or_overflow(float value)
    {
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        {
            Activation a = Of(kind);
            var check = new Agreement<float>();
            foreach (SimdVariant variant in SimdSupport.All)
            {
                float[] x = Enumerable.Repeat(value, 37).ToArray();
                var y = new float[x.Length];
                ActivationKernels.Forward<float>(x, a, y, variant);
                double expected = Reference.Value(a, value);
                for (int i = 0; i < y.Length; i++) check.Check(expected, y[i], Sensitivity(a, value), At(variant, 37, i, kind.ToString()));
                if (float.IsFinite(value) && Math.Abs(value) >= 1)
                {
                    var d = new float[x.Length];
                    ActivationKernels.Derivative<float>(x, y, a, d, variant);
                    double dExpected = a.DerivativeNeedsPreActivation ? Reference.Derivative(a, value)
                        : Reference.DerivativeFromOutput(a, y[0]);
                    for (int i = 0; i < d.Length; i++) check.Check(dExpected, d[i], DerivativeSensitivity(a, value), At(variant, 37, i, kind + " derivative"));
                }
            }
            check.Verify();
        }
    }

    public static TheoryData<int> Widths() => new(1, 3, 10, 16, 33, 67);

    [Theory, MemberData(nameof(Widths))]
    public void Fused_bias_forward_and_backward_match_reference_on_strided_views(int width)
    {
        const int pitch = 3;
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        {
            Activation a = Of(kind);
            var check = new Agreement<float>();
            float[] bias = Inputs<float>(width, 4);
            foreach (SimdVariant variant in SimdSupport.All)
            {
                for (int rows = 0; rows <= 67; rows += rows < 5 ? 1 : 9)
                {
                    float[] product = Inputs<float>(rows * (width + pitch), 5 + rows);
                    float[] delta = Inputs<float>(rows * (width + pitch), 6 + rows);
                    var z = new float[rows * (width + pitch)];
                    var y = new float[rows * (width + pitch)];
                    var p = new Span2D<float>(product, 0, rows, width, pitch);
                    ActivationKernels.BiasActivationForward<float>(p, bias, a, new Span2D<float>(z, 0, rows, width, pitch),
                        new Span2D<float>(y, 0, rows, width, pitch), variant);
                    float[] deltaIn = (float[])delta.Clone();
                    ActivationKernels.ActivationBackward<float>(new Span2D<float>(y, 0, rows, width, pitch),
                        new Span2D<float>(z, 0, rows, width, pitch), a, new Span2D<float>(delta, 0, rows, width, pitch), variant);
                    float[] alias = (float[])product.Clone();
                    var aliasView = new Span2D<float>(alias, 0, rows, width, pitch);
                    ActivationKernels.BiasActivationForward<float>(aliasView, bias, a, Span2D<float>.Empty, aliasView, variant);
                    for (int r = 0; r < rows; r++)
                    {
                        for (int j = 0; j < width; j++)
                        {
                            int k = r * (width + pitch) + j;
                            double zk = (double)(product[k] + bias[j]);
                            string where = At(variant, rows, k, kind + " width " + width);
                            check.Check(zk, z[k], 0, where + " z");
                            check.Check(Reference.Value(a, zk), y[k], Sensitivity(a, zk), where + " y");
                            check.Check(Reference.Value(a, zk), alias[k], Sensitivity(a, zk), where + " y aliasing product");
                            double derivative = a.DerivativeNeedsPreActivation ? Reference.Derivative(a, zk) : Reference.DerivativeFromOutput(a, y[k]);
                            double sensitivity = a.DerivativeNeedsPreActivation ? DerivativeSensitivity(a, zk) : 0;
                            check.Check(deltaIn[k] * derivative, delta[k], deltaIn[k] * sensitivity, where + " δ");
                        }
                        for (int j = width; j < width + pitch; j++)
                        {
                            int k = r * (width + pitch) + j;
                            Assert.True(y[k] == 0 && z[k] == 0 && delta[k] == deltaIn[k], "padding written at " + k);
                        }
                    }
                }
            }
            check.Verify();
        }
    }

    [Fact]
    public void Shape_mismatch_and_partial_overlap_throw_naming_the_argument()
    {
        var x = new float[10];
        var e = Assert.Throws<ArgumentException>(() => ActivationKernels.Forward<float>(x, Activation.Relu, new float[9]));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ActivationKernels.Forward<float>(x.AsSpan(0, 8), Activation.Relu, x.AsSpan(1, 8)));
        Assert.Equal("y", e.ParamName);
        var m = new float[4, 5];
        e = Assert.Throws<ArgumentException>(() => ActivationKernels.BiasActivationForward<float>(m, new float[4], Activation.Tanh, Span2D<float>.Empty, m));
        Assert.Equal("bias", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => ActivationKernels.ActivationBackward<float>(m, Span2D<float>.Empty, Activation.Gelu, m));
        Assert.Equal("preActivation", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => ActivationKernels.ActivationBackward<float>(new float[3, 5], Span2D<float>.Empty, Activation.Relu, m));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void Kernels_allocate_nothing_in_steady_state()
    {
        var x = new float[128 * 256];
        var z = new float[128 * 256];
        var bias = new float[256];
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        {
            Activation a = Of(kind);
            long allocated = SteadyState.AllocatedBytes(_ =>
            {
                var product = new Span2D<float>(x, 3, 7);
                var pre = new Span2D<float>(z, 3, 7);
                ActivationKernels.BiasActivationForward<float>(product, bias.AsSpan(0, 7), a, pre, product);
                ActivationKernels.ActivationBackward<float>(product, pre, a, pre);
                ActivationKernels.Forward<float>(x.AsSpan(0, 21), a, x.AsSpan(0, 21));
                ActivationKernels.Derivative<float>(x.AsSpan(0, 21), z.AsSpan(0, 21), a, x.AsSpan(21, 21));
            }, calls: 10_000);
            Assert.True(allocated == 0, kind + " allocated " + allocated + " bytes");
        }
    }
}
