namespace Backprop.Simd.Model;

/// <summary>
/// The description of one dense layer <c>a = f(x·W + b)</c>: how many units it has and which activation follows the
/// product. Networks are built from it and model files describe their layers with it.
/// </summary>
/// <param name="Units">The number of outputs of the layer (columns of W), at least 1.</param>
/// <param name="Activation">The nonlinearity; the default is <see cref="ActivationKind.Identity"/> (a linear layer).</param>
public readonly record struct Dense(int Units, Activation Activation = default);
