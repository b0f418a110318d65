using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>
/// ℓ = max(y, 0) − y·t + log1p(e^−|y|), ∂ℓ/∂y = σ(y) − t: PyTorch's stable form, finite for logits of any size
/// because e^−|y| never overflows.
/// </summary>
internal readonly struct BinaryCrossEntropyWithLogitsOperator<T> : IPointwiseLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Loss(T y, T t) => T.Max(y, T.Zero) - y * t + ScalarMath.Log1P(T.Exp(-T.Abs(y)));

    public T Gradient(T y, T t) => ScalarMath.Sigmoid(y) - t;

    public Vector128<T> Loss(Vector128<T> y, Vector128<T> t) =>
        Vector128.Max(y, Vector128<T>.Zero) - y * t + VectorMath.Log1P(VectorMath.Exp(-Vector128.Abs(y)));

    public Vector128<T> Gradient(Vector128<T> y, Vector128<T> t) => VectorMath.Sigmoid(y) - t;

    public Vector256<T> Loss(Vector256<T> y, Vector256<T> t) =>
        Vector256.Max(y, Vector256<T>.Zero) - y * t + VectorMath.Log1P(VectorMath.Exp(-Vector256.Abs(y)));

    public Vector256<T> Gradient(Vector256<T> y, Vector256<T> t) => VectorMath.Sigmoid(y) - t;

    public Vector512<T> Loss(Vector512<T> y, Vector512<T> t) =>
        Vector512.Max(y, Vector512<T>.Zero) - y * t + VectorMath.Log1P(VectorMath.Exp(-Vector512.Abs(y)));

    public Vector512<T> Gradient(Vector512<T> y, Vector512<T> t) => VectorMath.Sigmoid(y) - t;
}
