using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>GELU, tanh approximation: f(x) = x·(1 + tanh u)/2 with u = √(2/π)(x + 0.044715x³), evaluated as x·σ(2u), the same value without the cancellation of 1 + tanh u for negative x.</summary>
internal readonly struct GeluTanhOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Multiply(x, VectorMath<TOps, TVector, T>.Sigmoid(GeluTanhMath.TwiceInner<TOps, TVector, T>(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        GeluTanhMath.Derivative<TOps, TVector, T>(z, VectorMath<TOps, TVector, T>.Sigmoid(GeluTanhMath.TwiceInner<TOps, TVector, T>(z)));
}
