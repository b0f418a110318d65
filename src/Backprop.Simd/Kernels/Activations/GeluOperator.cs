using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>Exact GELU f(x) = x·Φ(x) with Φ(x) = erfc(−x/√2)/2; f' = Φ(z) + z·φ(z).</summary>
internal readonly struct GeluOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    public T Value(T x) => x * ScalarMath.NormalCdf(x);

    public T Derivative(T z, T y) => ScalarMath.NormalCdf(z) + z * ScalarMath.NormalPdf(z);

    public Vector128<T> Value(Vector128<T> x) => x * VectorMath.NormalCdf(x);

    public Vector128<T> Derivative(Vector128<T> z, Vector128<T> y) => VectorMath.NormalCdf(z) + z * VectorMath.NormalPdf(z);

    public Vector256<T> Value(Vector256<T> x) => x * VectorMath.NormalCdf(x);

    public Vector256<T> Derivative(Vector256<T> z, Vector256<T> y) => VectorMath.NormalCdf(z) + z * VectorMath.NormalPdf(z);

    public Vector512<T> Value(Vector512<T> x) => x * VectorMath.NormalCdf(x);

    public Vector512<T> Derivative(Vector512<T> z, Vector512<T> y) => VectorMath.NormalCdf(z) + z * VectorMath.NormalPdf(z);
}
