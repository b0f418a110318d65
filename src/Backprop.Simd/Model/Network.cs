using System.Numerics;
using Backprop.Simd.Memory;
using Backprop.Simd.Randomness;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Model;

/// <summary>
/// A feed-forward network of dense layers <c>y = f(x·W + b)</c>. Every weight and bias lives in one contiguous
/// parameter block, layer after layer (W₀ row-major <c>[in, out]</c>, then b₀, then W₁, …); layers are views into it.
/// <typeparamref name="T"/> is <see cref="float"/> normally and <see cref="double"/> for exact checks; both run the same
/// code.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Network<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly DenseLayer[] _layers;

    /// <summary>Builds the network and initialises its parameters from <paramref name="seed"/>.</summary>
    /// <param name="inputSize">The number of input features.</param>
    /// <param name="layers">The layers from input to output; the last one's units are the network's outputs.</param>
    /// <param name="seed">The seed of the initialisation; the same seed gives bit-identical parameters.</param>
    /// <param name="initialization">The scheme; the default is PyTorch's <c>nn.Linear</c> initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the parameters are more than one block holds.</exception>
    /// <exception cref="ArgumentException">No layers are given.</exception>
    /// <exception cref="InsufficientMemoryException">The parameters would not fit in the available memory.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> has no hardware vector type.</exception>
    public Network(int inputSize, ReadOnlySpan<Dense> layers, ulong seed = 0, Initialization initialization = default)
    {
        if (!Vector<T>.IsSupported)
            throw new NotSupportedException("Network<" + typeof(T).Name + "> is not supported; use float or double.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (layers.IsEmpty) throw new ArgumentException("A network needs at least one layer.", nameof(layers));

        _layers = new DenseLayer[layers.Length];
        long total = 0;
        for (int i = 0, width = inputSize; i < layers.Length; width = layers[i].Units, i++)
        {
            if (layers[i].Units <= 0)
                throw new ArgumentOutOfRangeException(nameof(layers), layers[i].Units,
                    "Layer " + i + " has " + layers[i].Units + " units; every layer needs at least one.");
            total += ((long)width + 1) * layers[i].Units;
            if (total > Sizing.MaxElements) break;
        }
        Sizing.Elements(total, "A network of " + layers.Length + " layers", nameof(layers));
        Sizing.RequireMemory<T>(total, "A network of " + total + " parameters");
        int fanIn = inputSize, offset = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            _layers[i] = new DenseLayer(i, fanIn, layers[i].Units, layers[i].Activation, offset);
            offset += _layers[i].ParameterCount;
            fanIn = layers[i].Units;
        }
        InputSize = inputSize;
        ParameterBlock = new FlatBlock<T>(offset);
        Initialize(seed, initialization);
    }

    /// <summary>The number of input features.</summary>
    public int InputSize { get; }

    /// <summary>The number of outputs: the last layer's units.</summary>
    public int OutputSize => _layers[^1].Units;

    /// <summary>The layers from input to output, with their offsets in the parameter block.</summary>
    public ReadOnlySpan<DenseLayer> Layers => _layers;

    /// <summary>The total number of weights and biases.</summary>
    public int ParameterCount => ParameterBlock.Length;

    /// <summary>
    /// Every parameter as one flat span, in the order described on <see cref="Network{T}"/>. Writable so that a
    /// checkpoint can be restored and parameters averaged in place.
    /// </summary>
    public Span<T> Parameters => ParameterBlock.Span;

    internal FlatBlock<T> ParameterBlock { get; }

    /// <summary>The weights <c>W: [in, out]</c> of layer <paramref name="layer"/>.</summary>
    public Span2D<T> Weights(int layer) => _layers[layer].Weights(Parameters);

    /// <summary>The bias <c>b: [out]</c> of layer <paramref name="layer"/>.</summary>
    public Span<T> Bias(int layer) => _layers[layer].Bias(Parameters);

    /// <summary>
    /// Copies layer <paramref name="layer"/>'s weights into <paramref name="destination"/> in PyTorch's
    /// <c>nn.Linear.weight</c> layout, <c>[out, in]</c> row-major (the transpose of <see cref="Weights"/>), converted to
    /// <typeparamref name="TTarget"/> (rounded to nearest when narrowing double to float).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer of the network.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly <c>out·in</c> values.</exception>
    public void CopyWeightsToPyTorchLayout<TTarget>(int layer, Span<TTarget> destination)
        where TTarget : unmanaged, IFloatingPointIeee754<TTarget>
    {
        DenseLayer shape = LayerAt(layer);
        RequireWeightCount(shape, destination.Length, nameof(destination));
        ReadOnlySpan<T> weights = Parameters.Slice(shape.WeightOffset, shape.WeightCount);
        for (int o = 0; o < shape.Units; o++)
        {
            for (int i = 0; i < shape.InputSize; i++)
                destination[o * shape.InputSize + i] = TTarget.CreateTruncating(weights[i * shape.Units + o]);
        }
    }

    /// <summary>
    /// Sets layer <paramref name="layer"/>'s weights from <paramref name="source"/> in PyTorch's <c>nn.Linear.weight</c>
    /// layout, <c>[out, in]</c> row-major, converted to <typeparamref name="T"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer of the network.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> does not hold exactly <c>out·in</c> values.</exception>
    public void SetWeightsFromPyTorchLayout<TSource>(int layer, ReadOnlySpan<TSource> source)
        where TSource : unmanaged, IFloatingPointIeee754<TSource>
    {
        DenseLayer shape = LayerAt(layer);
        RequireWeightCount(shape, source.Length, nameof(source));
        Span<T> weights = Parameters.Slice(shape.WeightOffset, shape.WeightCount);
        for (int o = 0; o < shape.Units; o++)
        {
            for (int i = 0; i < shape.InputSize; i++)
                weights[i * shape.Units + o] = T.CreateTruncating(source[o * shape.InputSize + i]);
        }
    }

    private DenseLayer LayerAt(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers.Length);
        return _layers[layer];
    }

    private static void RequireWeightCount(DenseLayer shape, int length, string name)
    {
        if (length != shape.WeightCount)
            throw new ArgumentException("Layer " + shape.Index + "'s weight is [" + shape.Units + ", " + shape.InputSize
                + "] (" + shape.WeightCount + " values) but " + name + " holds " + length + ".", name);
    }

    /// <summary>Re-draws every parameter; the same seed and scheme give bit-identical parameters.</summary>
    public void Initialize(ulong seed, Initialization initialization = default)
    {
        var random = new Xoshiro256StarStar(seed);
        Span<T> parameters = Parameters;
        foreach (DenseLayer layer in _layers)
        {
            initialization.Fill(parameters.Slice(layer.WeightOffset, layer.WeightCount), layer.Bias(parameters),
                layer.InputSize, layer.Units, random);
        }
    }
}
