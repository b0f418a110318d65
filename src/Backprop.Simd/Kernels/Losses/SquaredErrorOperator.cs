using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>ℓ = (y − t)², ∂ℓ/∂y = 2(y − t).</summary>
internal readonly struct SquaredErrorOperator<T> : IPointwiseLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Loss(T y, T t) => (y - t) * (y - t);

    public T Gradient(T y, T t) => (y - t) + (y - t);

    public Vector128<T> Loss(Vector128<T> y, Vector128<T> t) => (y - t) * (y - t);

    public Vector128<T> Gradient(Vector128<T> y, Vector128<T> t) => (y - t) + (y - t);

    public Vector256<T> Loss(Vector256<T> y, Vector256<T> t) => (y - t) * (y - t);

    public Vector256<T> Gradient(Vector256<T> y, Vector256<T> t) => (y - t) + (y - t);

    public Vector512<T> Loss(Vector512<T> y, Vector512<T> t) => (y - t) * (y - t);

    public Vector512<T> Gradient(Vector512<T> y, Vector512<T> t) => (y - t) + (y - t);
}
