using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;

namespace Backprop.Simd.Training;

/// <summary>Where a non-finite step went wrong: the quantity and layer a <see cref="NonFiniteTrainingException"/> names.</summary>
internal static class NonFiniteSearch
{
    // Activations are searched from the input side (the order they were computed), gradients from the output side
    // (the order backpropagation computed them), so the layer named is where the trouble first appeared.
    public static NonFiniteTrainingException Locate<T>(Network<T> network, NetworkWorkspace<T> workspace, ReadOnlySpan<T> gradients,
        int batch, T loss, long step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<DenseLayer> layers = network.Layers;
        if (!T.IsFinite(loss))
        {
            for (int l = 0; l < layers.Length; l++)
            {
                if (!Finite.All<T>(workspace.OutputFlat(l, batch)) || !Finite.All<T>(workspace.PreActivationFlat(l, batch)))
                    return new NonFiniteTrainingException(NonFiniteQuantity.Activations, l, step);
            }
            return new NonFiniteTrainingException(NonFiniteQuantity.Loss, -1, step);
        }
        int layer = layers.Length - 1;
        while (layer > 0 && Finite.All<T>(gradients.Slice(layers[layer].WeightOffset, layers[layer].ParameterCount)))
            layer--;
        return new NonFiniteTrainingException(NonFiniteQuantity.Gradients, layer, step);
    }

    /// <summary>The first layer whose parameters hold a NaN or infinity, or −1.</summary>
    public static int FirstLayer<T>(Network<T> network, ReadOnlySpan<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (DenseLayer layer in network.Layers)
            if (!Finite.All(parameters.Slice(layer.WeightOffset, layer.ParameterCount))) return layer.Index;
        return -1;
    }
}
