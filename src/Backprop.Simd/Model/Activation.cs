namespace Backprop.Simd.Model;

/// <summary>The elementwise nonlinearities a dense layer can apply, defined exactly as PyTorch defines them.</summary>
public enum ActivationKind
{
    /// <summary>f(x) = x.</summary>
    Identity,
    /// <summary>f(x) = 1 / (1 + e^-x); derivative y(1 − y) from the stored output.</summary>
    Sigmoid,
    /// <summary>f(x) = tanh x; derivative 1 − y² from the stored output.</summary>
    Tanh,
    /// <summary>f(x) = max(0, x); f'(0) = 0 as in PyTorch.</summary>
    Relu,
    /// <summary>f(x) = x for x &gt; 0, else slope·x; f'(0) = slope.</summary>
    LeakyRelu,
    /// <summary>f(x) = x for x &gt; 0, else α(e^x − 1).</summary>
    Elu,
    /// <summary>Exact GELU: x·Φ(x) with Φ the standard normal CDF (via erf).</summary>
    Gelu,
    /// <summary>GELU with PyTorch's tanh approximation (<c>approximate='tanh'</c>).</summary>
    GeluTanh,
    /// <summary>f(x) = log(1 + e^x) with β = 1, and f(x) = x above the threshold 20.</summary>
    Softplus,
    /// <summary>f(x) = x·σ(x) (also called swish).</summary>
    Silu,
}

/// <summary>
/// An activation function with its parameter (the negative slope of LeakyReLU, the α of ELU).
/// Kernels dispatch on <see cref="Kind"/> once per call, never per element.
/// </summary>
/// <param name="Kind">Which function.</param>
/// <param name="Parameter">LeakyReLU's negative slope or ELU's α; ignored by the other kinds.</param>
public readonly record struct Activation(ActivationKind Kind, double Parameter = 0)
{
    /// <summary>f(x) = x.</summary>
    public static Activation Identity => new(ActivationKind.Identity);
    /// <summary>The logistic sigmoid.</summary>
    public static Activation Sigmoid => new(ActivationKind.Sigmoid);
    /// <summary>The hyperbolic tangent.</summary>
    public static Activation Tanh => new(ActivationKind.Tanh);
    /// <summary>The rectified linear unit.</summary>
    public static Activation Relu => new(ActivationKind.Relu);
    /// <summary>Exact (erf) GELU.</summary>
    public static Activation Gelu => new(ActivationKind.Gelu);
    /// <summary>GELU, tanh approximation.</summary>
    public static Activation GeluTanh => new(ActivationKind.GeluTanh);
    /// <summary>Softplus with β = 1 and threshold 20.</summary>
    public static Activation Softplus => new(ActivationKind.Softplus);
    /// <summary>SiLU (swish).</summary>
    public static Activation Silu => new(ActivationKind.Silu);

    /// <summary>LeakyReLU with the given negative slope (PyTorch's default 0.01).</summary>
    public static Activation LeakyRelu(double negativeSlope = 0.01) => new(ActivationKind.LeakyRelu, negativeSlope);

    /// <summary>ELU with the given α (PyTorch's default 1).</summary>
    public static Activation Elu(double alpha = 1.0) => new(ActivationKind.Elu, alpha);

    /// <summary>
    /// True when the derivative must be computed from the pre-activation z (GELU, SiLU, softplus, ELU, LeakyReLU);
    /// false when it follows exactly from the stored output y (identity, sigmoid, tanh, ReLU), so no z buffer is needed.
    /// </summary>
    public bool DerivativeNeedsPreActivation => Kind is not (ActivationKind.Identity or ActivationKind.Sigmoid
        or ActivationKind.Tanh or ActivationKind.Relu);
}
