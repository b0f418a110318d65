using Backprop.Simd.Model;

namespace Backprop.Simd.Tests.Kernels;

/// <summary>
/// Plain double-precision definitions of every kernel function, written independently of the library's math
/// (series and continued fractions instead of its Chebyshev fits and Kahan corrections): the test oracle.
/// </summary>
public static class Reference
{
    public static double Value(Activation a, double x) => a.Kind switch
    {
        ActivationKind.Identity => x,
        ActivationKind.Sigmoid => Sigmoid(x),
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.Relu => double.IsNaN(x) ? x : x > 0 ? x : 0,
        ActivationKind.LeakyRelu => x > 0 ? x : a.Parameter * x,
        ActivationKind.Elu => x > 0 ? x : a.Parameter * ExpM1(x),
        ActivationKind.Gelu => x * NormalCdf(x),
        ActivationKind.GeluTanh => x * Sigmoid(2 * GeluInner(x)),
        ActivationKind.Softplus => x > 20 ? x : Math.Max(x, 0) + Log1P(Math.Exp(-Math.Abs(x))),
        ActivationKind.Silu => x * Sigmoid(x),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>f'(x), analytic.</summary>
    public static double Derivative(Activation a, double x) => a.Kind switch
    {
        ActivationKind.Identity => 1,
        ActivationKind.Sigmoid => Sigmoid(x) * Sigmoid(-x),
        ActivationKind.Tanh => 1 / (Math.Cosh(x) * Math.Cosh(x)),
        ActivationKind.Relu => x > 0 ? 1 : 0,
        ActivationKind.LeakyRelu => x > 0 ? 1 : a.Parameter,
        ActivationKind.Elu => x > 0 ? 1 : a.Parameter * Math.Exp(x),
        ActivationKind.Gelu => NormalCdf(x) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI),
        ActivationKind.GeluTanh => GeluTanhDerivative(x),
        ActivationKind.Softplus => x > 20 ? 1 : Sigmoid(x),
        ActivationKind.Silu => Sigmoid(x) * (1 + x * Sigmoid(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>f' expressed through the output y, for the kinds whose kernels read y.</summary>
    public static double DerivativeFromOutput(Activation a, double y) => a.Kind switch
    {
        ActivationKind.Identity => 1,
        ActivationKind.Sigmoid => y * (1 - y),
        ActivationKind.Tanh => (1 - y) * (1 + y),
        ActivationKind.Relu => y <= 0 ? 0 : 1,
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double GeluInner(double x) => Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);

    private static double GeluTanhDerivative(double x)
    {
        double s = Sigmoid(2 * GeluInner(x));
        return s + x * 2 * s * (1 - s) * Math.Sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
    }

    public static double NormalCdf(double x)
    {
        double tail = 0.5 * Erfc(Math.Abs(x) / Math.Sqrt(2));
        return x < 0 ? tail : 1 - tail;
    }

    /// <summary>erfc z, z ≥ 0: 1 − erf by its all-positive series below 0.6, the Laplace continued fraction above.</summary>
    public static double Erfc(double z)
    {
        if (double.IsNaN(z)) return z;
        if (z < 0.6)
        {
            double sum = 0, term = z;
            for (int n = 1; term > 1e-18 * sum || sum == 0; n++)
            {
                sum += term;
                term *= 2 * z * z / (2 * n + 1);
                if (z == 0) break;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-z * z) * sum;
        }
        if (double.IsPositiveInfinity(z)) return 0;
        double f = z;
        for (int n = 1000; n > 0; n--) f = z + n / 2.0 / f;
        return Math.Exp(-z * z) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>log(1 + u) for u ≥ 0 as 2·atanh(u/(2 + u)): a series of positive terms.</summary>
    public static double Log1P(double u)
    {
        if (u > 1) return Math.Log(1 + u);
        double w = u / (2 + u), w2 = w * w, sum = 0, power = w;
        for (int k = 1; k < 80; k += 2, power *= w2) sum += power / k;
        return 2 * sum;
    }

    /// <summary>e^x − 1 by Taylor series for |x| &lt; 1.</summary>
    public static double ExpM1(double x)
    {
        if (!(Math.Abs(x) < 1)) return Math.Exp(x) - 1;
        double sum = 0, term = x;
        for (int n = 2; n < 40; n++)
        {
            sum += term;
            term *= x / n;
        }
        return sum;
    }

    /// <summary>
    /// PyTorch's CrossEntropyLoss(weight = classWeights, label_smoothing = ε), sample weights as multiplicities, written
    /// from its definition: q_c = (1 − ε)·w_l·[c = l] + (ε/C)·w_c, ℓ_b = Σ_c q_c·(lse − y_c), L = Σ s_b·ℓ_b / Σ s_b·w_l.
    /// Fills δ and, per element, the size of the rounding a float evaluation cannot avoid (for the tolerance).
    /// </summary>
    public static (double Loss, double Sensitivity) SoftmaxCrossEntropy(double[,] y, int[] labels, double epsilon,
        double[]? sampleWeights, double[]? classWeights, double[,] gradient, double[,] gradientSensitivity)
    {
        int rows = y.GetLength(0), classes = y.GetLength(1);
        double normalizer = 0, total = 0, sensitivity = 0;
        for (int b = 0; b < rows; b++) normalizer += (sampleWeights?[b] ?? 1) * (classWeights?[labels[b]] ?? 1);
        for (int b = 0; b < rows; b++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < classes; c++) max = Math.Max(max, y[b, c]);
            for (int c = 0; c < classes; c++) sum += Math.Exp(y[b, c] - max);
            double lse = max + Math.Log(sum), rowLoss = 0, mass = 0, gapSize = 0, s = sampleWeights?[b] ?? 1;
            var q = new double[classes];
            for (int c = 0; c < classes; c++)
            {
                q[c] = (c == labels[b] ? (1 - epsilon) * (classWeights?[c] ?? 1) : 0) + epsilon / classes * (classWeights?[c] ?? 1);
                if (q[c] != 0) rowLoss += q[c] * (lse - y[b, c]);
                mass += q[c];
                gapSize += Math.Abs(q[c] * (max - y[b, c]));
            }
            total += s * rowLoss;
            sensitivity += Math.Abs(s) * (Math.Abs(rowLoss) + Math.Abs(mass) + gapSize);
            for (int c = 0; c < classes; c++)
            {
                double p = Math.Exp(y[b, c] - lse);
                gradient[b, c] = s / normalizer * (mass * p - q[c]);
                gradientSensitivity[b, c] = Math.Abs(s / normalizer) * (Math.Abs(mass) * p * (Math.Abs(y[b, c] - max) + 2) + Math.Abs(q[c]));
            }
        }
        return rows == 0 ? (0, 0) : (total / normalizer, sensitivity / Math.Abs(normalizer));
    }

    /// <summary>Mean squared error: the per-element loss and its derivative.</summary>
    public static (double Loss, double Gradient) SquaredError(double y, double t) => ((y - t) * (y - t), 2 * (y - t));

    /// <summary>BCE with logits: PyTorch's stable form and σ(y) − t.</summary>
    public static (double Loss, double Gradient) BinaryCrossEntropyWithLogits(double y, double t) =>
        (Math.Max(y, 0) - y * t + Log1P(Math.Exp(-Math.Abs(y))), Sigmoid(y) - t);
}
