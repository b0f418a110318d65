using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>The pieces of PyTorch's tanh-approximated GELU: 2u = 2√(2/π)(x + 0.044715x³) and the derivative.</summary>
internal static class GeluTanhMath
{
    private const double TwoSqrt2OverPi = 1.5957691216057308;
    private const double Cubic = 0.044715;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector TwiceInner<TOps, TVector, T>(TVector x)
        where TOps : IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T> =>
        TOps.Multiply(TOps.Multiply(x, TOps.Broadcast(T.CreateTruncating(TwoSqrt2OverPi))),
            TOps.Add(TOps.Broadcast(T.One), TOps.Multiply(TOps.Multiply(x, x), TOps.Broadcast(T.CreateTruncating(Cubic)))));

    /// <summary>d/dx x·σ(2u) = s + x·s(1 − s)·2u' with s = σ(2u).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Derivative<TOps, TVector, T>(TVector x, TVector s)
        where TOps : IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVector one = TOps.Broadcast(T.One);
        TVector innerSlope = TOps.Multiply(TOps.Multiply(x, TOps.Broadcast(T.CreateTruncating(TwoSqrt2OverPi))),
            TOps.Add(one, TOps.Multiply(TOps.Multiply(x, x), TOps.Broadcast(T.CreateTruncating(3 * Cubic)))));
        return TOps.Add(s, TOps.Multiply(TOps.Multiply(s, TOps.Subtract(one, s)), innerSlope));
    }
}
