using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>f(x) = x for x &gt; 0, else slope·x; f' = 1 for z &gt; 0, else slope (so f'(0) = slope, as PyTorch).</summary>
internal readonly struct LeakyReluOperator<T>(T slope) : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    public T Value(T x) => x > T.Zero ? x : slope * x;

    public T Derivative(T z, T y) => z > T.Zero ? T.One : slope;

    public Vector128<T> Value(Vector128<T> x) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), x, x * slope);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<T>.Zero), Vector128<T>.One, Vector128.Create(slope));

    public Vector256<T> Value(Vector256<T> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, x * slope);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<T>.Zero), Vector256<T>.One, Vector256.Create(slope));

    public Vector512<T> Value(Vector512<T> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x, x * slope);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<T>.Zero), Vector512<T>.One, Vector512.Create(slope));
}
