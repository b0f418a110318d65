using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = 1/(1 + e^−x); f' = y(1 − y) from the stored output.</summary>
internal readonly struct SigmoidOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        VectorMath<TOps, TVector, T>.Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Multiply(y, TOps.Subtract(TOps.Broadcast(T.One), y));
}
