using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x for x &gt; 0, else slope·x; f' = 1 for z &gt; 0, else slope (so f'(0) = slope, as PyTorch).</summary>
internal readonly struct LeakyReluOperator<T>(T slope) : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.GreaterThan(x, TOps.Zero), x, TOps.Multiply(x, TOps.Broadcast(slope)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.GreaterThan(z, TOps.Zero), TOps.Broadcast(T.One), TOps.Broadcast(slope));
}
