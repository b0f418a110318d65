using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x·σ(x); f' = s(1 + z(1 − s)) with s = σ(z).</summary>
internal readonly struct SiluOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    private static T SiluDerivative(T z, T s) => s * (T.One + z * (T.One - s));

    private static Vector128<T> SiluDerivative(Vector128<T> z, Vector128<T> s) => s * (Vector128<T>.One + z * (Vector128<T>.One - s));

    private static Vector256<T> SiluDerivative(Vector256<T> z, Vector256<T> s) => s * (Vector256<T>.One + z * (Vector256<T>.One - s));

    private static Vector512<T> SiluDerivative(Vector512<T> z, Vector512<T> s) => s * (Vector512<T>.One + z * (Vector512<T>.One - s));

    public T Value(T x) => x * ScalarMath.Sigmoid(x);

    public T Derivative(T z, T y) => SiluDerivative(z, ScalarMath.Sigmoid(z));

    public Vector128<T> Value(Vector128<T> x) => x * VectorMath.Sigmoid(x);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => SiluDerivative(z, VectorMath.Sigmoid(z));

    public Vector256<T> Value(Vector256<T> x) => x * VectorMath.Sigmoid(x);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => SiluDerivative(z, VectorMath.Sigmoid(z));

    public Vector512<T> Value(Vector512<T> x) => x * VectorMath.Sigmoid(x);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => SiluDerivative(z, VectorMath.Sigmoid(z));
}
