using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = tanh x; f' = (1 − y)(1 + y) from the stored output (1 − y² factored to keep precision near ±1).</summary>
internal readonly struct TanhOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    public T Value(T x) => ScalarMath.Tanh(x);

    public T Derivative(T z, T y) => (T.One - y) * (T.One + y);

    public Vector128<T> Value(Vector128<T> x) => VectorMath.Tanh(x);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => (Vector128<T>.One - y) * (Vector128<T>.One + y);

    public Vector256<T> Value(Vector256<T> x) => VectorMath.Tanh(x);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => (Vector256<T>.One - y) * (Vector256<T>.One + y);

    public Vector512<T> Value(Vector512<T> x) => VectorMath.Tanh(x);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => (Vector512<T>.One - y) * (Vector512<T>.One + y);
}
