using Backprop.Simd.Model;

namespace Backprop.Simd.Inference;

/// <summary>
/// Where one layer of a <see cref="FrozenModel{T}"/> lives: panels <c>[⌈units/P⌉, in, P]</c> at
/// <see cref="PanelOffset"/> of the panel block and the bias, zero-padded to <see cref="PaddedUnits"/>, at
/// <see cref="BiasOffset"/> of the model's element block (the same block as the panels unless they are bfloat16).
/// </summary>
internal readonly record struct FrozenLayer(int InputSize, int Units, int PaddedUnits, Activation Activation, int PanelOffset, int BiasOffset)
{
    public int PanelLength => InputSize * PaddedUnits;
}
