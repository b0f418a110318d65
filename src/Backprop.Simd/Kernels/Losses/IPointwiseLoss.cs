using System.Numerics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// A loss that is a sum of one term per element, ℓ(y, t), with its derivative ∂ℓ/∂y, written once over the ops family:
/// MSE and BCE with logits. The kernel scales and reduces; the operator only knows one element.
/// </summary>
internal interface IPointwiseLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    TVector Loss<TOps, TVector>(TVector y, TVector t) where TOps : IVectorOps<TVector, T> where TVector : struct;

    TVector Gradient<TOps, TVector>(TVector y, TVector t) where TOps : IVectorOps<TVector, T> where TVector : struct;
}
