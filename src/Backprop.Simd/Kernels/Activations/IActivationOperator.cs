using System.Numerics;

namespace Backprop.Simd.Kernels.Activations;

/// <summary>
/// One activation: its value and its derivative, written once over the ops family (scalar and every vector width). The
/// derivative takes both the pre-activation z and the output y; operators whose derivative follows exactly from y
/// ignore z, so the kernels need not keep z for them.
/// </summary>
internal interface IActivationOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True when <c>Derivative</c> reads z; false when it reads only y.</summary>
    static abstract bool DerivativeNeedsPreActivation { get; }

    TVector Value<TOps, TVector>(TVector x) where TOps : IVectorOps<TVector, T> where TVector : struct;

    TVector Derivative<TOps, TVector>(TVector z, TVector y) where TOps : IVectorOps<TVector, T> where TVector : struct;
}
