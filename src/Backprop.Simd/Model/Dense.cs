namespace Backprop.Simd.Model;

/// <summary>The description of one dense layer: how many units it has and which activation follows the product.</summary>
/// <param name="Units">The number of outputs of the layer.</param>
/// <param name="Activation">The nonlinearity; the default is <see cref="ActivationKind.Identity"/> (a linear layer).</param>
public readonly record struct Dense(int Units, Activation Activation = default);
