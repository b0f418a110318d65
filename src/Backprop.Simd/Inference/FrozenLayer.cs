using Backprop.Simd.Kernels;

namespace Backprop.Simd.Inference;

/// <summary>
/// Where one layer of a <see cref="FrozenModel{T}"/> lives in its weight block: panels <c>[⌈units/P⌉, in, P]</c> at
/// <see cref="PanelOffset"/> and the bias, zero-padded to <see cref="PaddedUnits"/>, right after them.
/// </summary>
internal readonly record struct FrozenLayer(int InputSize, int Units, int PaddedUnits, Activation Activation, int PanelOffset)
{
    public int PanelLength => InputSize * PaddedUnits;

    public int BiasOffset => PanelOffset + PanelLength;

    public int Length => PanelLength + PaddedUnits;
}
