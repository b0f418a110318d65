using System.Numerics;
using System.Runtime.CompilerServices;
using Backprop.Simd.IO;
using Backprop.Simd.Kernels;
using Backprop.Simd.Network;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Inference;

/// <summary>
/// An immutable copy of a trained network, laid out once for prediction: each layer's weights packed into column
/// panels that the one-row product streams front to back, biases padded to whole panels, all in one 64-byte-aligned
/// block. Nothing in it ever changes after construction, so any number of threads share one instance without locks;
/// each thread predicts through its own <see cref="InferenceSession{T}"/>, which owns the activation buffers.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> normally, <see cref="double"/> for exact checks.</typeparam>
public sealed class FrozenModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Alignment = 64;
    private readonly Dense[] _architecture;
    private readonly FrozenLayer[] _layers;
    // Pinned so that the aligned origin stays aligned: the GC never moves the block.
    private readonly T[] _block;
    private readonly int _origin;

    private FrozenModel(int inputSize, ReadOnlySpan<Dense> architecture, ReadOnlySpan<T> parameters, SimdVariant variant)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (architecture.IsEmpty) throw new ArgumentException("A model needs at least one layer.", nameof(architecture));
        int panelWidth = MatVec.PanelWidth<T>(variant);
        _architecture = architecture.ToArray();
        _layers = new FrozenLayer[architecture.Length];
        int fanIn = inputSize, offset = 0, parameterCount = 0;
        for (int l = 0; l < architecture.Length; l++)
        {
            _layers[l] = new FrozenLayer(fanIn, architecture[l].Units, MatVec.Padded(architecture[l].Units, panelWidth),
                architecture[l].Activation, offset);
            offset += _layers[l].Length;
            parameterCount += (fanIn + 1) * architecture[l].Units;
            fanIn = architecture[l].Units;
        }
        Check.Length(parameterCount, "the architecture's parameter count", parameters.Length, nameof(parameters));

        int slack = Alignment / Unsafe.SizeOf<T>();
        _block = GC.AllocateArray<T>(offset + slack, pinned: true);
        _origin = AlignedOrigin(_block);
        int source = 0;
        foreach (FrozenLayer layer in _layers)
        {
            ReadOnlySpan2D<T> w = parameters.Slice(source, layer.InputSize * layer.Units).AsSpan2D(layer.InputSize, layer.Units);
            MatVec.Pack(w, panelWidth, Panels(layer));
            parameters.Slice(source + layer.InputSize * layer.Units, layer.Units).CopyTo(Bias(layer));
            source += (layer.InputSize + 1) * layer.Units;
        }

        InputSize = inputSize;
        Variant = variant;
        MaxPaddedWidth = 0;
        foreach (FrozenLayer layer in _layers) MaxPaddedWidth = Math.Max(MaxPaddedWidth, layer.PaddedUnits);
    }

    /// <summary>Copies <paramref name="network"/>'s current parameters; later changes to the network do not reach the model.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    public static FrozenModel<T> From(Network<T> network) => From(network, SimdSupport.Active);

    /// <summary>Copies the parameters of a model loaded from a file (<see cref="NativeModelFormat"/>, SafeTensors, …).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static FrozenModel<T> From(ModelDescription<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var architecture = new Dense[model.Layers.Count];
        for (int l = 0; l < architecture.Length; l++) architecture[l] = new Dense(model.Layers[l].Units, model.Layers[l].Activation);
        return new FrozenModel<T>(model.InputSize, architecture, model.Parameters, SimdSupport.Active);
    }

    internal static FrozenModel<T> From(Network<T> network, SimdVariant variant)
    {
        ArgumentNullException.ThrowIfNull(network);
        var architecture = new Dense[network.Layers.Length];
        for (int l = 0; l < architecture.Length; l++) architecture[l] = new Dense(network.Layers[l].Units, network.Layers[l].Activation);
        return new FrozenModel<T>(network.InputSize, architecture, network.Parameters, variant);
    }

    /// <summary>The number of input features.</summary>
    public int InputSize { get; }

    /// <summary>The number of outputs: the last layer's units.</summary>
    public int OutputSize => _architecture[^1].Units;

    /// <summary>The layers from input to output.</summary>
    public ReadOnlySpan<Dense> Layers => _architecture;

    /// <summary>The instruction-set variant the weights are packed for and the kernels run.</summary>
    internal SimdVariant Variant { get; }

    /// <summary>The widest layer output, padded to whole panels: what a session's buffers hold per row.</summary>
    internal int MaxPaddedWidth { get; }

    /// <summary>Creates a session that predicts with this model, with buffers for <paramref name="maxBatch"/> rows per pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatch"/> is not positive.</exception>
    public InferenceSession<T> CreateSession(int maxBatch = 1) => new(this, null, maxBatch);

    /// <summary>True when <paramref name="other"/> has the same input size and layer widths, so sessions fit both.</summary>
    internal bool HasSameShape(FrozenModel<T> other)
    {
        if (other.InputSize != InputSize || other._layers.Length != _layers.Length || other.Variant != Variant) return false;
        for (int l = 0; l < _layers.Length; l++) if (other._layers[l].Units != _layers[l].Units) return false;
        return true;
    }

    // X: [rows, in]  ping, pong: ≥ rows·MaxPaddedWidth each  →  [rows, out] inside ping or pong.
    internal ReadOnlySpan2D<T> Forward(ReadOnlySpan2D<T> inputs, Span<T> ping, Span<T> pong)
    {
        int rows = inputs.Height;
        ReadOnlySpan2D<T> x = inputs;
        Span<T> target = ping, spare = pong;
        foreach (FrozenLayer layer in _layers)
        {
            Span<T> flat = target[..(rows * layer.PaddedUnits)];
            MatVec.MultiplyAddBias(x, Panels(layer), Bias(layer), flat.AsSpan2D(rows, layer.PaddedUnits), Variant);
            if (layer.Activation.Kind != ActivationKind.Identity) ActivationKernels.Forward(flat, layer.Activation, flat, Variant);
            x = flat.AsSpan2D(0, rows, layer.Units, layer.PaddedUnits - layer.Units);
            Span<T> written = target;
            target = spare;
            spare = written;
        }
        return x;
    }

    private static unsafe int AlignedOrigin(T[] pinnedBlock)
    {
        fixed (T* start = pinnedBlock) return (int)((Alignment - (nuint)start % Alignment) % Alignment / (nuint)sizeof(T));
    }

    private Span<T> Panels(FrozenLayer layer) => _block.AsSpan(_origin + layer.PanelOffset, layer.PanelLength);

    private Span<T> Bias(FrozenLayer layer) => _block.AsSpan(_origin + layer.BiasOffset, layer.PaddedUnits);
}
