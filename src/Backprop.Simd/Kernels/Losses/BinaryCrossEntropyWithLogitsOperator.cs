using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// ℓ = max(y, 0) − y·t + log1p(e^−|y|), ∂ℓ/∂y = σ(y) − t: PyTorch's stable form, finite for logits of any size
/// because e^−|y| never overflows.
/// </summary>
internal readonly struct BinaryCrossEntropyWithLogitsOperator<T> : IPointwiseLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Loss<TOps, TVector>(TVector y, TVector t) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Add(TOps.Subtract(TOps.Max(y, TOps.Zero), TOps.Multiply(y, t)),
            VectorMath<TOps, TVector, T>.Log1P(TOps.Exp(TOps.Negate(TOps.Abs(y)))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Gradient<TOps, TVector>(TVector y, TVector t) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Subtract(VectorMath<TOps, TVector, T>.Sigmoid(y), t);
}
