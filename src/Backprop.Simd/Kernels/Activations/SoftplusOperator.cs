using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = log(1 + e^x) (β = 1), evaluated as max(x, 0) + log1p(e^−|x|), and f(x) = x above the threshold 20 as PyTorch; f' = σ(z), and 1 above 20.</summary>
internal readonly struct SoftplusOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    private static T Threshold => T.CreateTruncating(20);

    public T Value(T x) => x > Threshold ? x : T.Max(x, T.Zero) + ScalarMath.Log1P(T.Exp(-T.Abs(x)));

    public T Derivative(T z, T y) => z > Threshold ? T.One : ScalarMath.Sigmoid(z);

    public Vector128<T> Value(Vector128<T> x) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(Threshold)), x, Vector128.Max(x, Vector128<T>.Zero) + VectorMath.Log1P(VectorMath.Exp(-Vector128.Abs(x))));

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128.Create(Threshold)), Vector128<T>.One, VectorMath.Sigmoid(z));

    public Vector256<T> Value(Vector256<T> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(Threshold)), x, Vector256.Max(x, Vector256<T>.Zero) + VectorMath.Log1P(VectorMath.Exp(-Vector256.Abs(x))));

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256.Create(Threshold)), Vector256<T>.One, VectorMath.Sigmoid(z));

    public Vector512<T> Value(Vector512<T> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(Threshold)), x, Vector512.Max(x, Vector512<T>.Zero) + VectorMath.Log1P(VectorMath.Exp(-Vector512.Abs(x))));

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512.Create(Threshold)), Vector512<T>.One, VectorMath.Sigmoid(z));
}
