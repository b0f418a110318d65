using System.Numerics;
using Backprop.Simd.Randomness;

namespace Backprop.Simd.Model;

/// <summary>How <see cref="Initialization"/> draws a layer's weights.</summary>
public enum InitializationKind
{
    /// <summary>
    /// PyTorch's <c>nn.Linear</c> default: weights and biases U(−1/√fan_in, 1/√fan_in) (what
    /// <c>kaiming_uniform_(a=√5)</c> gives for the weights).
    /// </summary>
    PyTorchLinear,
    /// <summary><c>torch.nn.init.kaiming_uniform_</c> (mode fan_in): U(−b, b) with b = gain·√(3/fan_in).</summary>
    KaimingUniform,
    /// <summary><c>torch.nn.init.kaiming_normal_</c> (mode fan_in): N(0, std²) with std = gain/√fan_in.</summary>
    KaimingNormal,
    /// <summary><c>torch.nn.init.xavier_uniform_</c>: U(−b, b) with b = gain·√(6/(fan_in + fan_out)).</summary>
    XavierUniform,
    /// <summary><c>torch.nn.init.xavier_normal_</c>: N(0, std²) with std = gain·√(2/(fan_in + fan_out)).</summary>
    XavierNormal,
}

/// <summary>
/// A weight-initialisation scheme, defined as <c>torch.nn.init</c> defines it. The default value is PyTorch's
/// <c>nn.Linear</c> initialisation. For the Kaiming and Xavier schemes the bias keeps <c>nn.Linear</c>'s
/// U(−1/√fan_in, 1/√fan_in) — as when one calls <c>kaiming_uniform_(layer.weight)</c> on a fresh layer — unless
/// <see cref="ZeroBias"/> is set (the common <c>zeros_(layer.bias)</c>).
/// </summary>
public readonly record struct Initialization
{
    private Initialization(InitializationKind kind, double gain, bool zeroBias)
    {
        Kind = kind;
        Gain = gain;
        ZeroBias = zeroBias;
    }

    /// <summary>The scheme.</summary>
    public InitializationKind Kind { get; }

    /// <summary>The gain of the Kaiming and Xavier schemes (see <see cref="GainFor"/>); ignored by the default scheme.</summary>
    public double Gain { get; }

    /// <summary>True to set the biases to zero instead of <c>nn.Linear</c>'s uniform draw.</summary>
    public bool ZeroBias { get; }

    /// <summary>PyTorch's <c>nn.Linear</c> initialisation (the default).</summary>
    public static Initialization PyTorchLinear => default;

    /// <summary>He/Kaiming uniform; the default gain √2 is PyTorch's (<c>nonlinearity='leaky_relu'</c>, a = 0).</summary>
    public static Initialization KaimingUniform(double gain = 1.4142135623730951, bool zeroBias = false) =>
        new(InitializationKind.KaimingUniform, gain, zeroBias);

    /// <summary>He/Kaiming normal; the default gain √2 is PyTorch's (<c>nonlinearity='leaky_relu'</c>, a = 0).</summary>
    public static Initialization KaimingNormal(double gain = 1.4142135623730951, bool zeroBias = false) =>
        new(InitializationKind.KaimingNormal, gain, zeroBias);

    /// <summary>Xavier/Glorot uniform; PyTorch's default gain is 1.</summary>
    public static Initialization XavierUniform(double gain = 1.0, bool zeroBias = false) =>
        new(InitializationKind.XavierUniform, gain, zeroBias);

    /// <summary>Xavier/Glorot normal; PyTorch's default gain is 1.</summary>
    public static Initialization XavierNormal(double gain = 1.0, bool zeroBias = false) =>
        new(InitializationKind.XavierNormal, gain, zeroBias);

    /// <summary>
    /// <c>torch.nn.init.calculate_gain</c>: 1 for identity and sigmoid, 5/3 for tanh, √2 for ReLU,
    /// √(2/(1 + slope²)) for LeakyReLU.
    /// </summary>
    /// <exception cref="ArgumentException">PyTorch defines no gain for this activation.</exception>
    public static double GainFor(Activation activation) => activation.Kind switch
    {
        ActivationKind.Identity or ActivationKind.Sigmoid => 1.0,
        ActivationKind.Tanh => 5.0 / 3.0,
        ActivationKind.Relu => Math.Sqrt(2.0),
        ActivationKind.LeakyRelu => Math.Sqrt(2.0 / (1 + activation.Parameter * activation.Parameter)),
        _ => throw new ArgumentException(
            "torch.nn.init.calculate_gain defines no gain for " + activation.Kind + "; pass a gain explicitly.",
            nameof(activation)),
    };

    /// <summary>Fills one layer's weights and bias, drawing weights row by row, then the bias.</summary>
    internal void Fill<T>(Span<T> weights, Span<T> bias, int fanIn, int fanOut, Xoshiro256StarStar random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double linearBound = 1.0 / Math.Sqrt(fanIn);
        bool normal = Kind is InitializationKind.KaimingNormal or InitializationKind.XavierNormal;
        double scale = Kind switch
        {
            InitializationKind.PyTorchLinear => linearBound,
            InitializationKind.KaimingUniform => Gain * Math.Sqrt(3.0 / fanIn),
            InitializationKind.KaimingNormal => Gain / Math.Sqrt(fanIn),
            InitializationKind.XavierUniform => Gain * Math.Sqrt(6.0 / (fanIn + fanOut)),
            InitializationKind.XavierNormal => Gain * Math.Sqrt(2.0 / (fanIn + fanOut)),
            _ => throw new InvalidOperationException("Unknown initialisation " + Kind + "."),
        };
        for (int i = 0; i < weights.Length; i++)
        {
            double value = normal ? scale * random.NextNormal() : random.NextUniform(-scale, scale);
            weights[i] = T.CreateTruncating(value);
        }
        for (int i = 0; i < bias.Length; i++)
            bias[i] = ZeroBias ? T.Zero : T.CreateTruncating(random.NextUniform(-linearBound, linearBound));
    }
}
