using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>Exact GELU f(x) = x·Φ(x) with Φ(x) = erfc(−x/√2)/2; f' = Φ(z) + z·φ(z).</summary>
internal readonly struct GeluOperator<T> : IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool DerivativeNeedsPreActivation => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Multiply(x, VectorMath<TOps, TVector, T>.NormalCdf(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.Add(VectorMath<TOps, TVector, T>.NormalCdf(z), TOps.Multiply(z, VectorMath<TOps, TVector, T>.NormalPdf(z)));
}
