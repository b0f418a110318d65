using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = log(1 + e^x) (β = 1), evaluated as max(x, 0) + log1p(e^−|x|), and f(x) = x above the threshold 20 as PyTorch; f' = σ(z), and 1 above 20.</summary>
internal readonly struct SoftplusOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Threshold<TOps, TVector>() where TOps : IVectorOps<TVector, T> where TVector : struct => TOps.Broadcast(T.CreateTruncating(20));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.GreaterThan(x, Threshold<TOps, TVector>()), x,
            TOps.Add(TOps.Max(x, TOps.Zero), VectorMath<TOps, TVector, T>.Log1P(TOps.Exp(TOps.Negate(TOps.Abs(x))))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.ConditionalSelect(TOps.GreaterThan(z, Threshold<TOps, TVector>()), TOps.Broadcast(T.One), VectorMath<TOps, TVector, T>.Sigmoid(z));
}
