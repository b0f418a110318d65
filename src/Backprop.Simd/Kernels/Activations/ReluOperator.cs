using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = max(0, x) with NaN propagated (the ops' Max is T.Max); f' from the output as PyTorch's threshold_backward: 0 where y ≤ 0, else 1 (so f'(0) = 0).</summary>
internal readonly struct ReluOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Max(x, TOps.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.LessThanOrEqual(y, TOps.Zero), TOps.Zero, TOps.Broadcast(T.One));
}
