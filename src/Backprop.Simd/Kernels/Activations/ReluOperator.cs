using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = max(0, x) with NaN propagated; f' from the output as PyTorch's threshold_backward: 0 where y ≤ 0, else 1 (so f'(0) = 0).</summary>
internal readonly struct ReluOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => false;

    public T Value(T x) => T.IsNaN(x) || x > T.Zero ? x : T.Zero;

    public T Derivative(T z, T y) => y <= T.Zero ? T.Zero : T.One;

    public Vector128<T> Value(Vector128<T> x) => Vector128.Max(x, Vector128<T>.Zero);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => Vector128.ConditionalSelect(Vector128.LessThanOrEqual(y, Vector128<T>.Zero), Vector128<T>.Zero, Vector128<T>.One);

    public Vector256<T> Value(Vector256<T> x) => Vector256.Max(x, Vector256<T>.Zero);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<T>.Zero), Vector256<T>.Zero, Vector256<T>.One);

    public Vector512<T> Value(Vector512<T> x) => Vector512.Max(x, Vector512<T>.Zero);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(y, Vector512<T>.Zero), Vector512<T>.Zero, Vector512<T>.One);
}
