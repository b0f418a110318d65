using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = 1/(1 + e^−x); f' = y(1 − y) from the stored output.</summary>
internal readonly struct SigmoidOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    public T Value(T x) => ScalarMath.Sigmoid(x);

    public T Derivative(T z, T y) => y * (T.One - y);

    public Vector128<T> Value(Vector128<T> x) => VectorMath.Sigmoid(x);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => y * (Vector128<T>.One - y);

    public Vector256<T> Value(Vector256<T> x) => VectorMath.Sigmoid(x);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => y * (Vector256<T>.One - y);

    public Vector512<T> Value(Vector512<T> x) => VectorMath.Sigmoid(x);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => y * (Vector512<T>.One - y);
}
