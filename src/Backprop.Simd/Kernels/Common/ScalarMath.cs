using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>The scalar twins of <see cref="VectorMath"/>, same formulas, so every variant agrees to rounding.</summary>
internal static class ScalarMath
{
    /// <summary>e^x − 1 by Kahan's correction; exact near 0.</summary>
    public static T ExpM1<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T w = T.Exp(x), wMinusOne = w - T.One;
        if (w == T.One) return x;
        if (wMinusOne == -T.One) return -T.One;
        return T.IsPositiveInfinity(w) ? w : wMinusOne * x / T.Log(w);
    }

    /// <summary>log(1 + u) for u ≥ 0 by Kahan's correction.</summary>
    public static T Log1P<T>(T u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T w = T.One + u;
        return w == T.One ? u : T.Log(w) * (u / (w - T.One));
    }

    public static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T e = T.Exp(-T.Abs(x)), r = T.One / (T.One + e);
        return x < T.Zero ? e * r : r;
    }

    public static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (T.Abs(x) < TanhLinearBelow<T>()) return x;
        T e = ExpM1(T.Abs(x) * T.CreateTruncating(-2));
        return T.CopySign(-e / (e + T.CreateTruncating(2)), x);
    }

    /// <summary>tanh x = x(1 − x²/3 + …) rounds to x below √(3ε/2).</summary>
    public static T TanhLinearBelow<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(typeof(T) == typeof(float) ? 4e-4 : 1.5e-8);

    public static T NormalCdf<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T tail = T.CreateTruncating(0.5) * Erfc(T.Abs(x) * T.CreateTruncating(ErfcChebyshev.InverseSqrt2));
        return x < T.Zero ? tail : T.One - tail;
    }

    public static T NormalPdf<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.Exp(x * x * T.CreateTruncating(-0.5)) * T.CreateTruncating(ErfcChebyshev.InverseSqrt2Pi);

    /// <summary>erfc z for z ≥ 0; see <see cref="ErfcChebyshev"/>.</summary>
    public static T Erfc<T>(T z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<double> c = ErfcChebyshev.Coefficients<T>();
        T two = T.CreateTruncating(2);
        T t = two / (two + z), s = t + t - T.One, twoS = s + s, b1 = T.Zero, b2 = T.Zero;
        for (int k = c.Length - 1; k > 0; k--)
        {
            T b0 = twoS * b1 - b2 + T.CreateTruncating(c[k]);
            b2 = b1;
            b1 = b0;
        }
        T p = s * b1 - b2 + T.CreateTruncating(c[0]);
        return t * T.Exp(p - z * z);
    }
}
