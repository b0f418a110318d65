using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = tanh x; f' = (1 − y)(1 + y) from the stored output (1 − y² factored to keep precision near ±1).</summary>
internal readonly struct TanhOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        VectorMath<TOps, TVector, T>.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Multiply(TOps.Subtract(TOps.Broadcast(T.One), y), TOps.Add(TOps.Broadcast(T.One), y));
}
