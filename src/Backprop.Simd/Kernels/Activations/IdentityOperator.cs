using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x; f' = 1.</summary>
internal readonly struct IdentityOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    public T Value(T x) => x;

    public T Derivative(T z, T y) => T.One;

    public Vector128<T> Value(Vector128<T> x) => x;

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => Vector128<T>.One;

    public Vector256<T> Value(Vector256<T> x) => x;

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => Vector256<T>.One;

    public Vector512<T> Value(Vector512<T> x) => x;

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => Vector512<T>.One;
}
