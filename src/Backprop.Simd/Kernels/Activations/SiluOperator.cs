using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x·σ(x); f' = s(1 + z(1 − s)) with s = σ(z).</summary>
internal readonly struct SiluOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SiluDerivative<TOps, TVector>(TVector z, TVector s) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Multiply(s, TOps.Add(TOps.Broadcast(T.One), TOps.Multiply(z, TOps.Subtract(TOps.Broadcast(T.One), s))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Multiply(x, VectorMath<TOps, TVector, T>.Sigmoid(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        SiluDerivative<TOps, TVector>(z, VectorMath<TOps, TVector, T>.Sigmoid(z));
}
