using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Vector elementary functions for float and double, accurate to a few ulps and free of overflow for any input: the
/// runtime's Exp and Log, plus expm1 and log1p by Kahan's correction (the exactly computed w − 1 cancels the rounding
/// of w = e^x), tanh and the normal CDF built on them. Generic code branches on typeof(T), which the JIT folds.
/// </summary>
internal static class VectorMath
{
    public static Vector128<T> Exp<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.Exp(x.AsSingle()).As<float, T>() : Vector128.Exp(x.AsDouble()).As<double, T>();

    public static Vector128<T> Log<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.Log(x.AsSingle()).As<float, T>() : Vector128.Log(x.AsDouble()).As<double, T>();

    /// <summary>e^x − 1 for x ≤ 0 (the callers' domain), accurate also near 0.</summary>
    public static Vector128<T> ExpM1<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> one = Vector128<T>.One, w = Exp(x), wMinusOne = w - one;
        Vector128<T> corrected = wMinusOne * x / Log(w);
        corrected = Vector128.ConditionalSelect(Vector128.Equals(w, one), x, corrected);
        return Vector128.ConditionalSelect(Vector128.Equals(wMinusOne, -one), -one, corrected);
    }

    /// <summary>log(1 + u) for u ≥ 0, accurate also for u below the epsilon of 1.</summary>
    public static Vector128<T> Log1P<T>(Vector128<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> one = Vector128<T>.One, w = one + u;
        return Vector128.ConditionalSelect(Vector128.Equals(w, one), u, Log(w) * (u / (w - one)));
    }

    /// <summary>σ(x) from e = e^−|x|: 1/(1 + e) or e/(1 + e), so σ keeps its subnormal tail instead of 1/∞ = 0.</summary>
    public static Vector128<T> Sigmoid<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> e = Exp(-Vector128.Abs(x)), r = Vector128<T>.One / (Vector128<T>.One + e);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), e * r, r);
    }

    /// <summary>tanh x = −expm1(−2|x|)/(expm1(−2|x|) + 2) with the sign of x: ±1 at ±∞; x itself where x³/3 is below the rounding of x.</summary>
    public static Vector128<T> Tanh<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> e = ExpM1(Vector128.Abs(x) * Vector128.Create(T.CreateTruncating(-2)));
        Vector128<T> t = Vector128.CopySign(-e / (e + Vector128.Create(T.CreateTruncating(2))), x);
        return Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(ScalarMath.TanhLinearBelow<T>())), x, t);
    }

    /// <summary>Φ(x) = erfc(−x/√2)/2, from erfc of |x|/√2 so that neither tail cancels.</summary>
    public static Vector128<T> NormalCdf<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> half = Vector128.Create(T.CreateTruncating(0.5));
        Vector128<T> tail = half * Erfc(Vector128.Abs(x) * Vector128.Create(T.CreateTruncating(ErfcChebyshev.InverseSqrt2)));
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), tail, Vector128<T>.One - tail);
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    public static Vector128<T> NormalPdf<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Exp(x * x * Vector128.Create(T.CreateTruncating(-0.5))) * Vector128.Create(T.CreateTruncating(ErfcChebyshev.InverseSqrt2Pi));

    /// <summary>erfc z for z ≥ 0: t·exp(P(s) − z²), t = 2/(2 + z), s = 2t − 1, P a Chebyshev series (Clenshaw).</summary>
    public static Vector128<T> Erfc<T>(Vector128<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<double> c = ErfcChebyshev.Coefficients<T>();
        Vector128<T> two = Vector128.Create(T.CreateTruncating(2));
        Vector128<T> t = two / (two + z), s = t + t - Vector128<T>.One, twoS = s + s;
        Vector128<T> b1 = Vector128<T>.Zero, b2 = Vector128<T>.Zero;
        for (int k = c.Length - 1; k > 0; k--)
        {
            Vector128<T> b0 = twoS * b1 - b2 + Vector128.Create(T.CreateTruncating(c[k]));
            b2 = b1;
            b1 = b0;
        }
        Vector128<T> p = s * b1 - b2 + Vector128.Create(T.CreateTruncating(c[0]));
        return t * Exp(p - z * z);
    }

    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Exp(x.AsSingle()).As<float, T>() : Vector256.Exp(x.AsDouble()).As<double, T>();

    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Log(x.AsSingle()).As<float, T>() : Vector256.Log(x.AsDouble()).As<double, T>();

    /// <summary>e^x − 1 for x ≤ 0 (the callers' domain), accurate also near 0.</summary>
    public static Vector256<T> ExpM1<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> one = Vector256<T>.One, w = Exp(x), wMinusOne = w - one;
        Vector256<T> corrected = wMinusOne * x / Log(w);
        corrected = Vector256.ConditionalSelect(Vector256.Equals(w, one), x, corrected);
        return Vector256.ConditionalSelect(Vector256.Equals(wMinusOne, -one), -one, corrected);
    }

    /// <summary>log(1 + u) for u ≥ 0, accurate also for u below the epsilon of 1.</summary>
    public static Vector256<T> Log1P<T>(Vector256<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> one = Vector256<T>.One, w = one + u;
        return Vector256.ConditionalSelect(Vector256.Equals(w, one), u, Log(w) * (u / (w - one)));
    }

    /// <summary>σ(x) from e = e^−|x|: 1/(1 + e) or e/(1 + e), so σ keeps its subnormal tail instead of 1/∞ = 0.</summary>
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> e = Exp(-Vector256.Abs(x)), r = Vector256<T>.One / (Vector256<T>.One + e);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), e * r, r);
    }

    /// <summary>tanh x = −expm1(−2|x|)/(expm1(−2|x|) + 2) with the sign of x: ±1 at ±∞; x itself where x³/3 is below the rounding of x.</summary>
    public static Vector256<T> Tanh<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> e = ExpM1(Vector256.Abs(x) * Vector256.Create(T.CreateTruncating(-2)));
        Vector256<T> t = Vector256.CopySign(-e / (e + Vector256.Create(T.CreateTruncating(2))), x);
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(ScalarMath.TanhLinearBelow<T>())), x, t);
    }

    /// <summary>Φ(x) = erfc(−x/√2)/2, from erfc of |x|/√2 so that neither tail cancels.</summary>
    public static Vector256<T> NormalCdf<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> half = Vector256.Create(T.CreateTruncating(0.5));
        Vector256<T> tail = half * Erfc(Vector256.Abs(x) * Vector256.Create(T.CreateTruncating(ErfcChebyshev.InverseSqrt2)));
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), tail, Vector256<T>.One - tail);
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    public static Vector256<T> NormalPdf<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Exp(x * x * Vector256.Create(T.CreateTruncating(-0.5))) * Vector256.Create(T.CreateTruncating(ErfcChebyshev.InverseSqrt2Pi));

    /// <summary>erfc z for z ≥ 0: t·exp(P(s) − z²), t = 2/(2 + z), s = 2t − 1, P a Chebyshev series (Clenshaw).</summary>
    public static Vector256<T> Erfc<T>(Vector256<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<double> c = ErfcChebyshev.Coefficients<T>();
        Vector256<T> two = Vector256.Create(T.CreateTruncating(2));
        Vector256<T> t = two / (two + z), s = t + t - Vector256<T>.One, twoS = s + s;
        Vector256<T> b1 = Vector256<T>.Zero, b2 = Vector256<T>.Zero;
        for (int k = c.Length - 1; k > 0; k--)
        {
            Vector256<T> b0 = twoS * b1 - b2 + Vector256.Create(T.CreateTruncating(c[k]));
            b2 = b1;
            b1 = b0;
        }
        Vector256<T> p = s * b1 - b2 + Vector256.Create(T.CreateTruncating(c[0]));
        return t * Exp(p - z * z);
    }

    public static Vector512<T> Exp<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.Exp(x.AsSingle()).As<float, T>() : Vector512.Exp(x.AsDouble()).As<double, T>();

    public static Vector512<T> Log<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.Log(x.AsSingle()).As<float, T>() : Vector512.Log(x.AsDouble()).As<double, T>();

    /// <summary>e^x − 1 for x ≤ 0 (the callers' domain), accurate also near 0.</summary>
    public static Vector512<T> ExpM1<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> one = Vector512<T>.One, w = Exp(x), wMinusOne = w - one;
        Vector512<T> corrected = wMinusOne * x / Log(w);
        corrected = Vector512.ConditionalSelect(Vector512.Equals(w, one), x, corrected);
        return Vector512.ConditionalSelect(Vector512.Equals(wMinusOne, -one), -one, corrected);
    }

    /// <summary>log(1 + u) for u ≥ 0, accurate also for u below the epsilon of 1.</summary>
    public static Vector512<T> Log1P<T>(Vector512<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> one = Vector512<T>.One, w = one + u;
        return Vector512.ConditionalSelect(Vector512.Equals(w, one), u, Log(w) * (u / (w - one)));
    }

    /// <summary>σ(x) from e = e^−|x|: 1/(1 + e) or e/(1 + e), so σ keeps its subnormal tail instead of 1/∞ = 0.</summary>
    public static Vector512<T> Sigmoid<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> e = Exp(-Vector512.Abs(x)), r = Vector512<T>.One / (Vector512<T>.One + e);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), e * r, r);
    }

    /// <summary>tanh x = −expm1(−2|x|)/(expm1(−2|x|) + 2) with the sign of x: ±1 at ±∞; x itself where x³/3 is below the rounding of x.</summary>
    public static Vector512<T> Tanh<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> e = ExpM1(Vector512.Abs(x) * Vector512.Create(T.CreateTruncating(-2)));
        Vector512<T> t = Vector512.CopySign(-e / (e + Vector512.Create(T.CreateTruncating(2))), x);
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(ScalarMath.TanhLinearBelow<T>())), x, t);
    }

    /// <summary>Φ(x) = erfc(−x/√2)/2, from erfc of |x|/√2 so that neither tail cancels.</summary>
    public static Vector512<T> NormalCdf<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> half = Vector512.Create(T.CreateTruncating(0.5));
        Vector512<T> tail = half * Erfc(Vector512.Abs(x) * Vector512.Create(T.CreateTruncating(ErfcChebyshev.InverseSqrt2)));
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), tail, Vector512<T>.One - tail);
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    public static Vector512<T> NormalPdf<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Exp(x * x * Vector512.Create(T.CreateTruncating(-0.5))) * Vector512.Create(T.CreateTruncating(ErfcChebyshev.InverseSqrt2Pi));

    /// <summary>erfc z for z ≥ 0: t·exp(P(s) − z²), t = 2/(2 + z), s = 2t − 1, P a Chebyshev series (Clenshaw).</summary>
    public static Vector512<T> Erfc<T>(Vector512<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<double> c = ErfcChebyshev.Coefficients<T>();
        Vector512<T> two = Vector512.Create(T.CreateTruncating(2));
        Vector512<T> t = two / (two + z), s = t + t - Vector512<T>.One, twoS = s + s;
        Vector512<T> b1 = Vector512<T>.Zero, b2 = Vector512<T>.Zero;
        for (int k = c.Length - 1; k > 0; k--)
        {
            Vector512<T> b0 = twoS * b1 - b2 + Vector512.Create(T.CreateTruncating(c[k]));
            b2 = b1;
            b1 = b0;
        }
        Vector512<T> p = s * b1 - b2 + Vector512.Create(T.CreateTruncating(c[0]));
        return t * Exp(p - z * z);
    }
}
