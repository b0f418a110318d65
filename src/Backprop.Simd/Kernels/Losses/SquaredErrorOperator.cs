using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels.Losses;

/// <summary>ℓ = (y − t)², ∂ℓ/∂y = 2(y − t).</summary>
internal readonly struct SquaredErrorOperator<T> : IPointwiseLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Loss<TOps, TVector>(TVector y, TVector t) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector difference = TOps.Subtract(y, t);
        return TOps.Multiply(difference, difference);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Gradient<TOps, TVector>(TVector y, TVector t) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector difference = TOps.Subtract(y, t);
        return TOps.Add(difference, difference);
    }
}
