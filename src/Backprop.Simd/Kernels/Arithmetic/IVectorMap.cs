using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// An elementwise function of two spans' elements (the second may be ignored), with its scalars captured, written once
/// in <see cref="IVectorOps{TVector, T}"/> and run by <see cref="VectorArithmetic"/>.
/// </summary>
internal interface IVectorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T>;
}
