using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// A loss that is a sum of one term per element, ℓ(y, t), with its derivative ∂ℓ/∂y, for a scalar and each vector
/// width: MSE and BCE with logits. The kernel scales and reduces; the operator only knows one element.
/// </summary>
internal interface IPointwiseLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T Loss(T y, T t);
    T Gradient(T y, T t);
    Vector128<T> Loss(Vector128<T> y, Vector128<T> t);
    Vector128<T> Gradient(Vector128<T> y, Vector128<T> t);
    Vector256<T> Loss(Vector256<T> y, Vector256<T> t);
    Vector256<T> Gradient(Vector256<T> y, Vector256<T> t);
    Vector512<T> Loss(Vector512<T> y, Vector512<T> t);
    Vector512<T> Gradient(Vector512<T> y, Vector512<T> t);
}
