using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>GELU, tanh approximation: f(x) = x·(1 + tanh u)/2 with u = √(2/π)(x + 0.044715x³), evaluated as x·σ(2u), the same value without the cancellation of 1 + tanh u for negative x.</summary>
internal readonly struct GeluTanhOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    public T Value(T x) => x * ScalarMath.Sigmoid(GeluTanhMath.TwiceInner(x));

    public T Derivative(T z, T y) => GeluTanhMath.Derivative(z, ScalarMath.Sigmoid(GeluTanhMath.TwiceInner(z)));

    public Vector128<T> Value(Vector128<T> x) => x * VectorMath.Sigmoid(GeluTanhMath.TwiceInner(x));

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => GeluTanhMath.Derivative(z, VectorMath.Sigmoid(GeluTanhMath.TwiceInner(z)));

    public Vector256<T> Value(Vector256<T> x) => x * VectorMath.Sigmoid(GeluTanhMath.TwiceInner(x));

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => GeluTanhMath.Derivative(z, VectorMath.Sigmoid(GeluTanhMath.TwiceInner(z)));

    public Vector512<T> Value(Vector512<T> x) => x * VectorMath.Sigmoid(GeluTanhMath.TwiceInner(x));

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => GeluTanhMath.Derivative(z, VectorMath.Sigmoid(GeluTanhMath.TwiceInner(z)));
}
