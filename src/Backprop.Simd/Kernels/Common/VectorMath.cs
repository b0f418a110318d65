using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Elementary functions for float and double, written once over the ops family, so the scalar variant and every vector
/// width evaluate the same formula: accurate to a few ulps and free of overflow for any input. expm1 and log1p by
/// Kahan's correction (the exactly computed w − 1 cancels the rounding of w = e^x), tanh and the normal CDF built on them.
/// </summary>
internal static class VectorMath<TOps, TVector, T>
    where TOps : IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T>
{
    private static TVector One => TOps.Broadcast(T.One);

    private static TVector Constant(double value) => TOps.Broadcast(T.CreateTruncating(value));

    /// <summary>e^x − 1 for x ≤ 0 (the callers' domain), accurate also near 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpM1(TVector x)
    {
        TVector w = TOps.Exp(x), wMinusOne = TOps.Subtract(w, One);
        TVector corrected = TOps.Divide(TOps.Multiply(wMinusOne, x), TOps.Log(w));
        corrected = TOps.ConditionalSelect(TOps.Equals(w, One), x, corrected);
        return TOps.ConditionalSelect(TOps.Equals(wMinusOne, TOps.Negate(One)), TOps.Negate(One), corrected);
    }

    /// <summary>log(1 + u) for u ≥ 0, accurate also for u below the epsilon of 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Log1P(TVector u)
    {
        TVector w = TOps.Add(One, u);
        return TOps.ConditionalSelect(TOps.Equals(w, One), u, TOps.Multiply(TOps.Log(w), TOps.Divide(u, TOps.Subtract(w, One))));
    }

    /// <summary>σ(x) from e = e^−|x|: 1/(1 + e) or e/(1 + e), so σ keeps its subnormal tail instead of 1/∞ = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Sigmoid(TVector x)
    {
        TVector e = TOps.Exp(TOps.Negate(TOps.Abs(x))), r = TOps.Divide(One, TOps.Add(One, e));
        return TOps.ConditionalSelect(TOps.LessThan(x, TOps.Zero), TOps.Multiply(e, r), r);
    }

    /// <summary>tanh x = −expm1(−2|x|)/(expm1(−2|x|) + 2) with the sign of x: ±1 at ±∞; x itself where x³/3 is below the rounding of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Tanh(TVector x)
    {
        TVector e = ExpM1(TOps.Multiply(TOps.Abs(x), Constant(-2)));
        TVector t = TOps.CopySign(TOps.Divide(TOps.Negate(e), TOps.Add(e, Constant(2))), x);
        return TOps.ConditionalSelect(TOps.LessThan(TOps.Abs(x), Constant(TanhLinearBelow)), x, t);
    }

    /// <summary>tanh x = x(1 − x²/3 + …) rounds to x below √(3ε/2).</summary>
    private static double TanhLinearBelow => typeof(T) == typeof(float) ? 4e-4 : 1.5e-8;

    /// <summary>Φ(x) = erfc(−x/√2)/2, from erfc of |x|/√2 so that neither tail cancels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector NormalCdf(TVector x)
    {
        TVector tail = TOps.Multiply(Constant(0.5), Erfc(TOps.Multiply(TOps.Abs(x), Constant(ErfcChebyshev.InverseSqrt2))));
        return TOps.ConditionalSelect(TOps.LessThan(x, TOps.Zero), tail, TOps.Subtract(One, tail));
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector NormalPdf(TVector x) =>
        TOps.Multiply(TOps.Exp(TOps.Multiply(TOps.Multiply(x, x), Constant(-0.5))), Constant(ErfcChebyshev.InverseSqrt2Pi));

    /// <summary>erfc z for z ≥ 0: t·exp(P(s) − z²), t = 2/(2 + z), s = 2t − 1, P a Chebyshev series (Clenshaw).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Erfc(TVector z)
    {
        ReadOnlySpan<double> c = ErfcChebyshev.Coefficients<T>();
        TVector two = Constant(2);
        TVector t = TOps.Divide(two, TOps.Add(two, z)), s = TOps.Subtract(TOps.Add(t, t), One), twoS = TOps.Add(s, s);
        TVector b1 = TOps.Zero, b2 = TOps.Zero;
        for (int k = c.Length - 1; k > 0; k--)
        {
            TVector b0 = TOps.Add(TOps.Subtract(TOps.Multiply(twoS, b1), b2), Constant(c[k]));
            b2 = b1;
            b1 = b0;
        }
        TVector p = TOps.Add(TOps.Subtract(TOps.Multiply(s, b1), b2), Constant(c[0]));
        return TOps.Multiply(t, TOps.Exp(TOps.Subtract(p, TOps.Multiply(z, z))));
    }
}
