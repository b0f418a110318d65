using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x; f' = 1.</summary>
internal readonly struct IdentityOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Broadcast(T.One);
}
