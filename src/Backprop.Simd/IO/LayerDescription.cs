using Backprop.Simd.Model;

namespace Backprop.Simd.IO;

/// <summary>One dense layer of a model: <c>a = f(x·W + b)</c> with <paramref name="Units"/> outputs.</summary>
/// <param name="Units">The number of outputs (columns of W), at least 1.</param>
/// <param name="Activation">The activation f with its parameter (LeakyReLU slope, ELU α).</param>
public readonly record struct LayerDescription(int Units, Activation Activation);
