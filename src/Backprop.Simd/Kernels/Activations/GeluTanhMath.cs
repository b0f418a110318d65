using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>The pieces of PyTorch's tanh-approximated GELU: 2u = 2√(2/π)(x + 0.044715x³) and the derivative.</summary>
internal static class GeluTanhMath
{
    private const double TwoSqrt2OverPi = 1.5957691216057308;
    private const double Cubic = 0.044715;

    public static T TwiceInner<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(TwoSqrt2OverPi) * x * (T.One + T.CreateTruncating(Cubic) * x * x);

    /// <summary>d/dx x·σ(2u) = s + x·s(1 − s)·2u' with s = σ(2u).</summary>
    public static T Derivative<T>(T x, T s) where T : unmanaged, IFloatingPointIeee754<T> =>
        s + s * (T.One - s) * (x * T.CreateTruncating(TwoSqrt2OverPi) * (T.One + T.CreateTruncating(3 * Cubic) * x * x));

    public static Vector128<T> TwiceInner<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x * Vector128.Create(T.CreateTruncating(TwoSqrt2OverPi)) * (Vector128<T>.One + x * x * Vector128.Create(T.CreateTruncating(Cubic)));

    public static Vector128<T> Derivative<T>(Vector128<T> x, Vector128<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        s + s * (Vector128<T>.One - s) * (x * Vector128.Create(T.CreateTruncating(TwoSqrt2OverPi))
            * (Vector128<T>.One + x * x * Vector128.Create(T.CreateTruncating(3 * Cubic))));

    public static Vector256<T> TwiceInner<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x * Vector256.Create(T.CreateTruncating(TwoSqrt2OverPi)) * (Vector256<T>.One + x * x * Vector256.Create(T.CreateTruncating(Cubic)));

    public static Vector256<T> Derivative<T>(Vector256<T> x, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        s + s * (Vector256<T>.One - s) * (x * Vector256.Create(T.CreateTruncating(TwoSqrt2OverPi))
            * (Vector256<T>.One + x * x * Vector256.Create(T.CreateTruncating(3 * Cubic))));

    public static Vector512<T> TwiceInner<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x * Vector512.Create(T.CreateTruncating(TwoSqrt2OverPi)) * (Vector512<T>.One + x * x * Vector512.Create(T.CreateTruncating(Cubic)));

    public static Vector512<T> Derivative<T>(Vector512<T> x, Vector512<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        s + s * (Vector512<T>.One - s) * (x * Vector512.Create(T.CreateTruncating(TwoSqrt2OverPi))
            * (Vector512<T>.One + x * x * Vector512.Create(T.CreateTruncating(3 * Cubic))));
}
