using System.Numerics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>Activation forward and backward passes, fused with the bias add and the error step.</summary>
public static class ActivationKernels
{
    /// <summary>
    /// <c>z = product + bias</c> (bias broadcast over rows), <c>y = f(z)</c>, in one pass. <paramref name="preActivation"/>
    /// receives z when it is not empty; <paramref name="output"/> may be the same memory as <paramref name="product"/>.
    /// </summary>
    /// <remarks>product: [rows, cols]  bias: [cols]  preActivation: [rows, cols] or empty  output: [rows, cols].</remarks>
    public static void BiasActivationForward<T>(ReadOnlySpan2D<T> product, ReadOnlySpan<T> bias, Activation activation,
        Span2D<T> preActivation, Span2D<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < product.Height; i++)
        {
            for (int j = 0; j < product.Width; j++)
            {
                T z = product[i, j] + bias[j];
                if (!preActivation.IsEmpty) preActivation[i, j] = z;
                output[i, j] = ScalarActivation.Value(activation, z);
            }
        }
    }

    /// <summary>
    /// The error step <c>δ ← δ ⊙ f'(·)</c> in place over the product <c>δY·Wᵀ</c>: the derivative comes from the stored
    /// output y where that is exact, else from the stored pre-activation z.
    /// </summary>
    /// <remarks>output: [rows, cols]  preActivation: [rows, cols] or empty  delta: [rows, cols].</remarks>
    public static void ActivationBackward<T>(ReadOnlySpan2D<T> output, ReadOnlySpan2D<T> preActivation,
        Activation activation, Span2D<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool fromZ = activation.DerivativeNeedsPreActivation;
        for (int i = 0; i < delta.Height; i++)
        {
            for (int j = 0; j < delta.Width; j++)
            {
                T z = fromZ ? preActivation[i, j] : T.Zero;
                delta[i, j] *= ScalarActivation.Derivative(activation, z, output[i, j]);
            }
        }
    }

    /// <summary><c>y = f(x)</c> elementwise; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Activation activation, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = ScalarActivation.Value(activation, x[i]);
    }

    /// <summary><c>d = f'(x)</c> elementwise, given x and y = f(x).</summary>
    public static void Derivative<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Activation activation, Span<T> derivative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) derivative[i] = ScalarActivation.Derivative(activation, x[i], y[i]);
    }
}

internal static class ScalarActivation
{
    public static T Value<T>(Activation a, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(x);
        double r = a.Kind switch
        {
            ActivationKind.Identity => v,
            ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-v)),
            ActivationKind.Tanh => Math.Tanh(v),
            ActivationKind.Relu => v > 0 ? v : 0,
            ActivationKind.LeakyRelu => v > 0 ? v : a.Parameter * v,
            ActivationKind.Elu => v > 0 ? v : a.Parameter * (Math.Exp(v) - 1),
            ActivationKind.Gelu => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
            ActivationKind.GeluTanh => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
            ActivationKind.Softplus => v > 20 ? v : Math.Log(1 + Math.Exp(v)),
            ActivationKind.Silu => v / (1 + Math.Exp(-v)),
            _ => throw new ArgumentOutOfRangeException(nameof(a)),
        };
        return T.CreateTruncating(r);
    }

    public static T Derivative<T>(Activation a, T x, T y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(x), o = double.CreateTruncating(y);
        double r = a.Kind switch
        {
            ActivationKind.Identity => 1,
            ActivationKind.Sigmoid => o * (1 - o),
            ActivationKind.Tanh => 1 - o * o,
            ActivationKind.Relu => o > 0 ? 1 : 0,
            ActivationKind.LeakyRelu => v > 0 ? 1 : a.Parameter,
            ActivationKind.Elu => v > 0 ? 1 : a.Parameter * Math.Exp(v),
            ActivationKind.Gelu => 0.5 * (1 + Erf(v / Math.Sqrt(2))) + v * Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI),
            ActivationKind.GeluTanh => GeluTanhDerivative(v),
            ActivationKind.Softplus => v > 20 ? 1 : 1 / (1 + Math.Exp(-v)),
            ActivationKind.Silu => SiluDerivative(v),
            _ => throw new ArgumentOutOfRangeException(nameof(a)),
        };
        return T.CreateTruncating(r);
    }

    private static double GeluTanhDerivative(double v)
    {
        const double c = 0.7978845608028654;
        double inner = c * (v + 0.044715 * v * v * v);
        double t = Math.Tanh(inner);
        return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v);
    }

    private static double SiluDerivative(double v)
    {
        double s = 1 / (1 + Math.Exp(-v));
        return s * (1 + v * (1 - s));
    }

    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): a placeholder good to float precision.
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return x >= 0 ? y : -y;
    }
}
