using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x for x &gt; 0, else α·(e^x − 1) (expm1, exact near 0); f' = 1 for z &gt; 0, else α·e^z.</summary>
internal readonly struct EluOperator<T>(T alpha) : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    public T Value(T x) => x > T.Zero ? x : alpha * ScalarMath.ExpM1(x);

    public T Derivative(T z, T y) => z > T.Zero ? T.One : alpha * T.Exp(z);

    public Vector128<T> Value(Vector128<T> x) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), x, VectorMath.ExpM1(Vector128.Min(x, Vector128<T>.Zero)) * alpha);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<T>.Zero), Vector128<T>.One, VectorMath.Exp(z) * alpha);

    public Vector256<T> Value(Vector256<T> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, VectorMath.ExpM1(Vector256.Min(x, Vector256<T>.Zero)) * alpha);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<T>.Zero), Vector256<T>.One, VectorMath.Exp(z) * alpha);

    public Vector512<T> Value(Vector512<T> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x, VectorMath.ExpM1(Vector512.Min(x, Vector512<T>.Zero)) * alpha);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<T>.Zero), Vector512<T>.One, VectorMath.Exp(z) * alpha);
}
