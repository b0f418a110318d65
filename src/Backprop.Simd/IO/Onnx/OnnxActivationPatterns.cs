using Backprop.Simd.Model;

namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Recognises the ONNX forms of our activations on top of a linear layer: the single operators, SiLU as x·Sigmoid(x),
/// and GELU as PyTorch 1.13 decomposes it (erf form and tanh form), with the operands of Add and Mul in either order.
/// Every pattern has a fixed depth, so matching never recurses deeper than the longest one.
/// </summary>
internal static class OnnxActivationPatterns
{
    private const double ConstantTolerance = 1e-6;

    /// <summary>True when <paramref name="value"/> is an activation of a linear layer (identity when it is the layer itself).</summary>
    public static bool TryMatch(OnnxValue value, out Activation activation, out LinearValue layer)
    {
        activation = Activation.Identity;
        if (value is LinearValue linear)
        {
            layer = linear;
            return true;
        }
        layer = null!;
        if (value is not ElementwiseValue node) return false;
        if (node.Arguments.Count == 1 && node.Arguments[0] is LinearValue input)
        {
            layer = input;
            activation = node.OpType switch
            {
                "Relu" => Activation.Relu,
                "Tanh" => Activation.Tanh,
                "Sigmoid" => Activation.Sigmoid,
                "Softplus" => Activation.Softplus,
                "LeakyRelu" => Activation.LeakyRelu(ShortestDouble(node.Alpha)),
                "Elu" => Activation.Elu(ShortestDouble(node.Alpha)),
                "Gelu" => node.TanhApproximation ? Activation.GeluTanh : Activation.Gelu,
                _ => default,
            };
            return activation != default;
        }
        if (IsSilu(node, out layer))
        {
            activation = Activation.Silu;
            return true;
        }
        if (IsHalfXTimesOnePlus(node, out layer, out var inner))
        {
            if (IsErfOfScaled(inner, layer)) activation = Activation.Gelu;
            else if (IsTanhOfCubic(inner, layer)) activation = Activation.GeluTanh;
            else return false;
            return true;
        }
        return false;
    }

    // x · Sigmoid(x)
    private static bool IsSilu(ElementwiseValue node, out LinearValue layer)
    {
        layer = null!;
        if (!Binary(node, "Mul", out var a, out var b)) return false;
        if (a is not LinearValue) (a, b) = (b, a);
        if (a is not LinearValue x || b is not ElementwiseValue { OpType: "Sigmoid" } sigmoid || !ReferenceEquals(sigmoid.Arguments[0], x))
            return false;
        layer = x;
        return true;
    }

    // 0.5 · (x · (1 + inner)), the shape both GELU decompositions share.
    private static bool IsHalfXTimesOnePlus(ElementwiseValue node, out LinearValue layer, out OnnxValue inner)
    {
        layer = null!;
        inner = null!;
        if (!WithScalar(node, "Mul", 0.5, out var product) || !Binary(product, "Mul", out var a, out var b)) return false;
        if (a is not LinearValue) (a, b) = (b, a);
        if (a is not LinearValue x || !WithScalar(b, "Add", 1, out inner)) return false;
        layer = x;
        return true;
    }

    // erf(x / √2) or erf(x · 1/√2)
    private static bool IsErfOfScaled(OnnxValue value, LinearValue x) =>
        value is ElementwiseValue { OpType: "Erf" } erf
        && ((WithScalar(erf.Arguments[0], "Div", Math.Sqrt(2), out var divided) && ReferenceEquals(divided, x))
            || (WithScalar(erf.Arguments[0], "Mul", Math.Sqrt(0.5), out var multiplied) && ReferenceEquals(multiplied, x)));

    // tanh(√(2/π) · (x + 0.044715 · x³)), the cube as x · (x · x) in any order
    private static bool IsTanhOfCubic(OnnxValue value, LinearValue x)
    {
        if (value is not ElementwiseValue { OpType: "Tanh" } tanh
            || !WithScalar(tanh.Arguments[0], "Mul", Math.Sqrt(2 / Math.PI), out var sum)
            || !Binary(sum, "Add", out var a, out var b))
            return false;
        if (!ReferenceEquals(a, x)) (a, b) = (b, a);
        return ReferenceEquals(a, x) && WithScalar(b, "Mul", 0.044715, out var cube) && IsCube(cube, x);
    }

    private static bool IsCube(OnnxValue value, LinearValue x)
    {
        if (!Binary(value, "Mul", out var a, out var b)) return false;
        if (!ReferenceEquals(a, x)) (a, b) = (b, a);
        return ReferenceEquals(a, x) && Binary(b, "Mul", out var c, out var d) && ReferenceEquals(c, x) && ReferenceEquals(d, x);
    }

    private static bool Binary(OnnxValue value, string opType, out OnnxValue left, out OnnxValue right)
    {
        left = right = null!;
        if (value is not ElementwiseValue node || node.OpType != opType || node.Arguments.Count != 2) return false;
        (left, right) = (node.Arguments[0], node.Arguments[1]);
        return true;
    }

    /// <summary>
    /// True when <paramref name="value"/> is <paramref name="opType"/> with a scalar close to <paramref name="constant"/>
    /// (either side for Add and Mul, the divisor for Div); <paramref name="other"/> is the other operand.
    /// </summary>
    private static bool WithScalar(OnnxValue value, string opType, double constant, out OnnxValue other)
    {
        other = null!;
        if (!Binary(value, opType, out var a, out var b)) return false;
        if (IsNear(b, constant)) other = a;
        else if (opType != "Div" && IsNear(a, constant)) other = b;
        return other is not null;
    }

    private static bool IsNear(OnnxValue value, double constant) =>
        value is ScalarValue scalar && Math.Abs(scalar.Value - constant) <= ConstantTolerance * Math.Abs(constant);

    /// <summary>The double a float attribute was meant to be: 0.01f comes back as 0.01, not 0.009999999776.</summary>
    private static double ShortestDouble(float value) =>
        double.Parse(value.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}
