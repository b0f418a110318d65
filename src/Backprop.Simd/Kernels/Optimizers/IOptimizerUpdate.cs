using System.Numerics;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>
/// One optimizer's elementwise update rule with its step's coefficients, written once in <see cref="IVectorOps{TVector, T}"/>
/// and run by <see cref="OptimizerUpdate"/> in the variant asked for. Every operation is a correctly rounded IEEE one
/// (no fused multiply-add), so every variant gives bit-identical parameters and state.
/// </summary>
internal interface IOptimizerUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    void Apply<TVector, TOps>(OptimizerBlocks<T> blocks) where TVector : struct where TOps : IVectorOps<TVector, T>;
}
