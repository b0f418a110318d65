using System.Numerics;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>
/// The same stretch of the parameter, gradient and up to three state blocks, each padded to a whole number of 64-byte
/// vectors (so every variant runs without a tail); state blocks the optimizer lacks are empty.
/// </summary>
internal readonly ref struct OptimizerBlocks<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> state0, Span<T> state1, Span<T> state2)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly Span<T> Parameters = parameters;
    public readonly ReadOnlySpan<T> Gradients = gradients;
    public readonly Span<T> State0 = state0, State1 = state1, State2 = state2;
}
