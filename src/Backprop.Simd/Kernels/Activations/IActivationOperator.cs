using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>
/// One activation: its value and its derivative, for a scalar and for each vector width. The derivative takes both the
/// pre-activation z and the output y; operators whose derivative follows exactly from y ignore z, so the kernels need
/// not keep z for them.
/// </summary>
internal interface IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True when <c>Derivative</c> reads z; false when it reads only y.</summary>
    static abstract bool DerivativeNeedsPreActivation { get; }

    T Value(T x);
    T Derivative(T z, T y);
    Vector128<T> Value(Vector128<T> x);
    Vector128<T> Derivative(Vector128<T> z, Vector128<T> y);

    Vector256<T> Value(Vector256<T> x);
    Vector256<T> Derivative(Vector256<T> z, Vector256<T> y);

    Vector512<T> Value(Vector512<T> x);
    Vector512<T> Derivative(Vector512<T> z, Vector512<T> y);
}
