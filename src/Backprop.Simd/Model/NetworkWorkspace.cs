using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Memory;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Model;

/// <summary>
/// Everything a forward and backward pass writes, sized once for the largest batch in one block: each layer's output
/// Y, its pre-activation Z only where the activation's derivative needs it, its error δ, and the optional input error.
/// A smaller batch uses the first rows of each slot. An inspecting pass keeps every layer's Z.
/// </summary>
internal sealed class NetworkWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MatrixSlot[] _outputs;
    private readonly MatrixSlot[] _preActivations;
    private readonly MatrixSlot[] _errors;
    private readonly MatrixSlot _inputError;
    private readonly T[] _storage;

    public NetworkWorkspace(Network<T> network, int maxBatch, bool keepEveryPreActivation = false)
    {
        ElementCount(network, maxBatch);
        ReadOnlySpan<DenseLayer> layers = network.Layers;
        _outputs = new MatrixSlot[layers.Length];
        _preActivations = new MatrixSlot[layers.Length];
        _errors = new MatrixSlot[layers.Length];
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            int units = layers[l].Units;
            _outputs[l] = Take(ref offset, maxBatch, units);
            _preActivations[l] = Take(ref offset, maxBatch, keepEveryPreActivation || layers[l].Activation.DerivativeNeedsPreActivation ? units : 0);
            _errors[l] = Take(ref offset, maxBatch, units);
        }
        _inputError = Take(ref offset, maxBatch, network.InputSize);
        _storage = new FlatBlock<T>(offset).Storage;
        MaxBatch = maxBatch;
    }

    public int MaxBatch { get; }

    /// <summary>The elements a workspace for <paramref name="maxBatch"/> rows holds, counted before it is allocated.</summary>
    /// <exception cref="ArgumentOutOfRangeException">One block cannot hold them.</exception>
    public static int ElementCount(Network<T> network, int maxBatch)
    {
        long columns = network.InputSize;
        foreach (DenseLayer layer in network.Layers)
            columns += (layer.Activation.DerivativeNeedsPreActivation ? 3L : 2L) * layer.Units;
        return Sizing.Elements(columns * maxBatch, "A batch of " + maxBatch + " rows", nameof(maxBatch));
    }

    public Span2D<T> Output(int layer, int batch) => _outputs[layer].View(_storage, batch);

    public Span2D<T> PreActivation(int layer, int batch) =>
        _preActivations[layer].Columns == 0 ? default : _preActivations[layer].View(_storage, batch);

    /// <summary>∂L/∂Z of the layer after <see cref="Backward"/>; the last layer's holds ∂L/∂Y before it.</summary>
    public Span2D<T> Error(int layer, int batch) => _errors[layer].View(_storage, batch);

    public Span<T> ErrorFlat(int layer, int batch) => _errors[layer].Flat(_storage, batch);

    public Span<T> OutputFlat(int layer, int batch) => _outputs[layer].Flat(_storage, batch);

    public Span<T> PreActivationFlat(int layer, int batch) =>
        _preActivations[layer].Columns == 0 ? default : _preActivations[layer].Flat(_storage, batch);

    /// <summary>∂L/∂X after a <see cref="Backward"/> that asked for it.</summary>
    public Span2D<T> InputError(int batch) => _inputError.View(_storage, batch);

    /// <summary>The threads that share the matrix products; null runs them on the calling thread.</summary>
    public WorkerPool? Pool { get; set; }

    // X: [b, in]  →  Y_l: [b, units_l] for every layer (and Z_l where kept). Returns the last layer's Y.
    public Span2D<T> Forward(Network<T> network, ReadOnlySpan2D<T> x)
    {
        int batch = x.Height;
        ReadOnlySpan<T> parameters = network.Parameters;
        ReadOnlySpan2D<T> input = x;
        foreach (DenseLayer layer in network.Layers)
        {
            Span2D<T> y = Output(layer.Index, batch);
            DenseLayer.Forward(input, ReadOnlyWeights(layer, parameters), parameters.Slice(layer.BiasOffset, layer.Units),
                layer.Activation, PreActivation(layer.Index, batch), y, Pool);
            input = y;
        }
        return Output(network.Layers.Length - 1, batch);
    }

    // On entry Error(last) holds ∂L/∂Y of the last layer. On exit Error(l) holds ∂L/∂Z_l, gradients holds ∂L/∂W and
    // ∂L/∂b at the parameters' offsets, and InputError holds ∂L/∂X when asked; the first layer computes no input
    // error otherwise. The listener hears of each layer as soon as its gradients are written.
    public void Backward<TListener>(Network<T> network, ReadOnlySpan2D<T> x, Span<T> gradients, bool computeInputError,
        ref TListener listener) where TListener : struct, ILayerGradientsListener
    {
        int batch = x.Height;
        ReadOnlySpan<DenseLayer> layers = network.Layers;
        ReadOnlySpan<T> parameters = network.Parameters;
        int last = layers.Length - 1;
        if (layers[last].Activation.Kind != ActivationKind.Identity)
            ActivationKernels.ActivationBackward<T>(Output(last, batch), PreActivation(last, batch), layers[last].Activation, Error(last, batch));

        // Every other layer's f' is applied by the layer above, as the epilogue of its input error.
        for (int l = last; l >= 0; l--)
        {
            DenseLayer layer = layers[l];
            ReadOnlySpan2D<T> input = l == 0 ? x : Output(l - 1, batch);
            Span2D<T> inputError = l > 0 ? Error(l - 1, batch) : computeInputError ? InputError(batch) : default;
            Activation inputActivation = l > 0 ? layers[l - 1].Activation : new Activation(ActivationKind.Identity);
            ReadOnlySpan2D<T> inputPreActivation = l > 0 ? PreActivation(l - 1, batch) : default;
            DenseLayer.Backward<T>(Error(l, batch), input, ReadOnlyWeights(layer, parameters), layer.Weights(gradients),
                layer.Bias(gradients), inputError, inputActivation, inputPreActivation, Pool);
            listener.OnLayerGradients(layer);
        }
    }

    private static ReadOnlySpan2D<T> ReadOnlyWeights(DenseLayer layer, ReadOnlySpan<T> parameters) =>
        parameters.Slice(layer.WeightOffset, layer.WeightCount).AsSpan2D(layer.InputSize, layer.Units);

    private static MatrixSlot Take(ref int offset, int rows, int columns)
    {
        var slot = new MatrixSlot(offset, rows, columns);
        offset += slot.Capacity;
        return slot;
    }
}
