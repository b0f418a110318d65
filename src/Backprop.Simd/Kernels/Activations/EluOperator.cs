using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x for x &gt; 0, else α·(e^x − 1) (expm1, exact near 0); f' = 1 for z &gt; 0, else α·e^z.</summary>
internal readonly struct EluOperator<T>(T alpha) : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.GreaterThan(x, TOps.Zero), x,
            TOps.Multiply(VectorMath<TOps, TVector, T>.ExpM1(TOps.Min(x, TOps.Zero)), TOps.Broadcast(alpha)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.GreaterThan(z, TOps.Zero), TOps.Broadcast(T.One), TOps.Multiply(TOps.Exp(z), TOps.Broadcast(alpha)));
}
