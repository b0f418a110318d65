using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Backprop.Simd.IO;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Inference;

/// <summary>
/// An immutable copy of a trained network, laid out once for prediction: each layer's weights packed into column
/// panels that the one-row product streams front to back (in T, or in bfloat16 when <see cref="WeightFormat"/> says so),
/// biases padded to whole panels, in 64-byte-aligned pinned blocks. Nothing in it ever changes after construction, so any number of threads share one instance without locks;
/// each thread predicts through its own <see cref="InferenceSession{T}"/>, which owns the activation buffers.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> normally, <see cref="double"/> for exact checks.</typeparam>
public sealed class FrozenModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Alignment = 64;
    // The weight bytes from which a pass too short to split by rows splits a layer by columns among a pool's threads.
    private const int ColumnSharingBytes = 256 * 1024;
    private readonly Dense[] _architecture;
    private readonly FrozenLayer[] _layers;
    // Pinned so that the aligned origins stay aligned: the GC never moves the blocks.
    private readonly T[] _block;
    private readonly int _origin;
    private readonly ushort[]? _halfBlock;
    private readonly int _halfOrigin;

    private FrozenModel(int inputSize, ReadOnlySpan<Dense> architecture, ReadOnlySpan<T> parameters, SimdVariant variant,
        WeightFormat format)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (architecture.IsEmpty) throw new ArgumentException("A model needs at least one layer.", nameof(architecture));
        bool half = format == WeightFormat.BFloat16;
        if (!Enum.IsDefined(format)) throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown weight format.");
        if (half && typeof(T) != typeof(float))
            throw new ArgumentException("bfloat16 weights are for float models; this one is " + typeof(T).Name + ".", nameof(format));
        int panelWidth = MatVec.PanelWidth<T>(variant);
        _architecture = architecture.ToArray();
        _layers = new FrozenLayer[architecture.Length];
        // Full: each layer's panels then its bias in one block. bfloat16: panels in their own block, biases in this one.
        int fanIn = inputSize, offset = 0, halfOffset = 0, parameterCount = 0;
        for (int l = 0; l < architecture.Length; l++)
        {
            int units = architecture[l].Units, padded = MatVec.Padded(units, panelWidth), panelLength = fanIn * padded;
            _layers[l] = half
                ? new FrozenLayer(fanIn, units, padded, architecture[l].Activation, halfOffset, offset)
                : new FrozenLayer(fanIn, units, padded, architecture[l].Activation, offset, offset + panelLength);
            if (half) halfOffset += panelLength;
            offset += half ? padded : panelLength + padded;
            parameterCount += (fanIn + 1) * units;
            fanIn = units;
        }
        Check.Length(parameterCount, "the architecture's parameter count", parameters.Length, nameof(parameters));
        // A NaN weight makes every answer NaN, and ArgMax of NaN is class 0: refused here, once, not per prediction.
        if (!Kernels.Finite.All(parameters))
            throw new ArgumentException("The model has a non-finite parameter (parameter " + FirstNonFinite(parameters)
                + "); a frozen model needs finite weights and biases.", nameof(parameters));

        _block = GC.AllocateArray<T>(offset + (Alignment / Unsafe.SizeOf<T>()), pinned: true);
        _origin = AlignedOrigin(_block);
        if (half)
        {
            _halfBlock = GC.AllocateArray<ushort>(halfOffset + (Alignment / sizeof(ushort)), pinned: true);
            _halfOrigin = AlignedOrigin(_halfBlock);
        }
        int source = 0;
        foreach (FrozenLayer layer in _layers)
        {
            ReadOnlySpan<T> weights = parameters.Slice(source, layer.InputSize * layer.Units);
            if (half) MatVec.PackBFloat16(MemoryMarshal.Cast<T, float>(weights).AsSpan2D(layer.InputSize, layer.Units), panelWidth, HalfPanels(layer));
            else MatVec.Pack(weights.AsSpan2D(layer.InputSize, layer.Units), panelWidth, Panels(layer));
            parameters.Slice(source + layer.InputSize * layer.Units, layer.Units).CopyTo(Bias(layer));
            source += (layer.InputSize + 1) * layer.Units;
        }

        InputSize = inputSize;
        Variant = variant;
        WeightFormat = format;
        MaxPaddedWidth = 0;
        foreach (FrozenLayer layer in _layers) MaxPaddedWidth = Math.Max(MaxPaddedWidth, layer.PaddedUnits);
    }

    private static int FirstNonFinite(ReadOnlySpan<T> values)
    {
        for (int i = 0; i < values.Length; i++) if (!T.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Copies <paramref name="network"/>'s current parameters; later changes to the network do not reach the model.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite.</exception>
    public static FrozenModel<T> From(Network<T> network) => From(network, WeightFormat.Full);

    /// <summary>Copies <paramref name="network"/>'s current parameters, storing the weights in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="format"/> is bfloat16 and T is not float, or a parameter is NaN or infinite.</exception>
    public static FrozenModel<T> From(Network<T> network, WeightFormat format) => From(network, SimdSupport.Active, format);

    /// <summary>Copies the parameters of a model loaded from a file (<see cref="NativeModelFormat"/>, SafeTensors, …).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ModelFormatException">A parameter is NaN or infinite.</exception>
    public static FrozenModel<T> From(ModelDescription<T> model) => From(model, WeightFormat.Full);

    /// <summary>Copies the parameters of a model loaded from a file, storing the weights in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="format"/> is bfloat16 and T is not float.</exception>
    /// <exception cref="ModelFormatException">A parameter is NaN or infinite.</exception>
    public static FrozenModel<T> From(ModelDescription<T> model, WeightFormat format)
    {
        ArgumentNullException.ThrowIfNull(model);
        // A description usually comes from a file, so a non-finite parameter is reported as the file's fault.
        if (!Kernels.Finite.All<T>(model.Parameters))
            throw new ModelFormatException("The model has a non-finite parameter (parameter " + FirstNonFinite(model.Parameters)
                + "); a frozen model needs finite weights and biases.");
        var architecture = new Dense[model.Layers.Count];
        for (int l = 0; l < architecture.Length; l++) architecture[l] = new Dense(model.Layers[l].Units, model.Layers[l].Activation);
        return new FrozenModel<T>(model.InputSize, architecture, model.Parameters, SimdSupport.Active, format);
    }

    internal static FrozenModel<T> From(Network<T> network, SimdVariant variant, WeightFormat format = WeightFormat.Full)
    {
        ArgumentNullException.ThrowIfNull(network);
        var architecture = new Dense[network.Layers.Length];
        for (int l = 0; l < architecture.Length; l++) architecture[l] = new Dense(network.Layers[l].Units, network.Layers[l].Activation);
        return new FrozenModel<T>(network.InputSize, architecture, network.Parameters, variant, format);
    }

    /// <summary>The number of input features.</summary>
    public int InputSize { get; }

    /// <summary>The number of outputs: the last layer's units.</summary>
    public int OutputSize => _architecture[^1].Units;

    /// <summary>The layers from input to output.</summary>
    public ReadOnlySpan<Dense> Layers => _architecture;

    /// <summary>How the weights are stored.</summary>
    public WeightFormat WeightFormat { get; }

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

    // X: [rows, in]  ping, pong: ≥ (firstRow + rows)·MaxPaddedWidth each  →  [rows, out] inside ping or pong. Every
    // layer of a block of rows works in the same region, from firstRow·MaxPaddedWidth, so blocks computed at the same
    // time (PredictRowsJob) never touch each other's rows in any layer; JoinBlocks then lines their outputs up. A
    // columnPool instead shares each layer with large weights among its threads by columns (PredictColumnsJob).
    internal ReadOnlySpan2D<T> Forward(ReadOnlySpan2D<T> inputs, Span<T> ping, Span<T> pong, int firstRow = 0, WorkerPool? columnPool = null)
    {
        int rows = inputs.Height;
        ReadOnlySpan2D<T> x = inputs;
        Span<T> target = ping, spare = pong;
        for (int l = 0; l < _layers.Length; l++)
        {
            FrozenLayer layer = _layers[l];
            Span2D<T> y = target.Slice(firstRow * MaxPaddedWidth, rows * layer.PaddedUnits).AsSpan2D(rows, layer.PaddedUnits);
            if (columnPool is { ThreadCount: > 1 } && SharesColumns(l)) ShareColumns(columnPool, l, x, y);
            else ForwardColumns(l, x, y, 0, layer.PaddedUnits);
            x = y.Slice(0, 0, rows, layer.Units);
            Span<T> written = target;
            target = spare;
            spare = written;
        }
        return x;
    }

    // y[:, first … first + count) = f(x·W + b) for those columns of layer l, whole panels of them.
    internal void ForwardColumns(int l, ReadOnlySpan2D<T> x, Span2D<T> y, int first, int count)
    {
        FrozenLayer layer = _layers[l];
        Span2D<T> part = y.Slice(0, first, y.Height, count);
        int panelStart = first * layer.InputSize, panelLength = count * layer.InputSize;
        ReadOnlySpan<T> bias = Bias(layer).Slice(first, count);
        if (_halfBlock is null) MatVec.MultiplyAddBias(x, Panels(layer).Slice(panelStart, panelLength), bias, part, Variant);
        else MatVec.MultiplyAddBias(x, HalfPanels(layer).Slice(panelStart, panelLength), bias, part, Variant);
        if (layer.Activation.Kind == ActivationKind.Identity) return;
        if (part.TryGetSpan(out Span<T> flat))
        {
            ActivationKernels.Forward(flat, layer.Activation, flat, Variant);
            return;
        }
        for (int row = 0; row < part.Height; row++)
        {
            Span<T> values = part.GetRowSpan(row);
            ActivationKernels.Forward(values, layer.Activation, values, Variant);
        }
    }

    // Sharing a layer pays when each thread's part of the weights takes longer to stream than handing the part over.
    internal bool SharesColumns(int l) =>
        _layers[l].PaddedUnits >= 2 * MatVec.PanelWidth<T>(Variant)
        && (long)_layers[l].PanelLength * (_halfBlock is null ? Unsafe.SizeOf<T>() : sizeof(ushort)) >= ColumnSharingBytes;

    private unsafe void ShareColumns(WorkerPool pool, int l, ReadOnlySpan2D<T> x, Span2D<T> y)
    {
        int panelWidth = MatVec.PanelWidth<T>(Variant), panels = y.Width / panelWidth;
        int parts = Math.Min(pool.ThreadCount, panels), columnsPerPart = Sizes.CeilDiv(panels, parts) * panelWidth;
        fixed (T* input = &x.DangerousGetReference())
        fixed (T* output = &y.DangerousGetReference())
        {
            var job = new PredictColumnsJob<T>(this, l, input, Check.Stride(x), x.Height, x.Width, output, y.Width, columnsPerPart);
            pool.Run(ref job, Sizes.CeilDiv(y.Width, columnsPerPart));
        }
    }

    // After Forward passes over blocks of rowsPerPart rows (the last may be shorter), the outputs of rows 0 … rows − 1 as
    // one view: each block moves down from firstRow·MaxPaddedWidth to firstRow·(output width), in order, so a block only
    // ever lands on memory its predecessors have left. The last layer wrote to ping after an odd number of layers.
    internal ReadOnlySpan2D<T> JoinBlocks(Span<T> ping, Span<T> pong, int rows, int rowsPerPart)
    {
        FrozenLayer last = _layers[^1];
        Span<T> written = _layers.Length % 2 == 1 ? ping : pong;
        for (int first = rowsPerPart; first < rows; first += rowsPerPart)
        {
            int count = Math.Min(rowsPerPart, rows - first) * last.PaddedUnits;
            written.Slice(first * MaxPaddedWidth, count).CopyTo(written.Slice(first * last.PaddedUnits, count));
        }
        return written[..(rows * last.PaddedUnits)].AsSpan2D(0, rows, last.Units, last.PaddedUnits - last.Units);
    }

    private static unsafe int AlignedOrigin<TElement>(TElement[] pinnedBlock) where TElement : unmanaged
    {
        fixed (TElement* start = pinnedBlock)
            return (int)((Alignment - (nuint)start % Alignment) % Alignment / (nuint)sizeof(TElement));
    }

    private Span<T> Panels(FrozenLayer layer) => _block.AsSpan(_origin + layer.PanelOffset, layer.PanelLength);

    private Span<ushort> HalfPanels(FrozenLayer layer) => _halfBlock.AsSpan(_halfOrigin + layer.PanelOffset, layer.PanelLength);

    private Span<T> Bias(FrozenLayer layer) => _block.AsSpan(_origin + layer.BiasOffset, layer.PaddedUnits);
}
