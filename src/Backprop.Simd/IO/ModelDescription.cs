using System.Numerics;
using Backprop.Simd.Model;

namespace Backprop.Simd.IO;

/// <summary>
/// Everything a model file holds, independent of any file format and of the network type: the architecture, the flat
/// parameter block, optional optimizer and RNG state, training counters and free-form metadata.
/// </summary>
/// <remarks>
/// The parameter block holds, for each layer in order, its weights W as [in, out] row-major followed by its bias [out];
/// <see cref="ParameterCount"/> is therefore Σ (in·out + out). Use <see cref="ModelDescription{T}"/> to create one;
/// readers return this base type because the element type is known only once the file is open.
/// </remarks>
public abstract class ModelDescription
{
    private static readonly Dictionary<string, string> EmptyMetadata = new(StringComparer.Ordinal);

    private protected ModelDescription(int inputSize, IReadOnlyList<Dense> layers, LossKind loss, long epoch,
        long step, IReadOnlyList<ulong>? rngState, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ParameterCount = CountParameters(inputSize, layers);
        if (!Enum.IsDefined(loss))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss kind.");
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        InputSize = inputSize;
        Layers = [.. layers];
        Loss = loss;
        Epoch = epoch;
        Step = step;
        RngState = rngState is null ? [] : [.. rngState];
        Metadata = metadata is null ? EmptyMetadata : CopyMetadata(metadata);
    }

    /// <summary>Float32 or Float64: the type of <see cref="ModelDescription{T}.Parameters"/>.</summary>
    public abstract ModelElementType ElementType { get; }

    /// <summary>The number of inputs of the first layer.</summary>
    public int InputSize { get; }

    /// <summary>The dense layers in order; never empty.</summary>
    public IReadOnlyList<Dense> Layers { get; }

    /// <summary>The number of outputs of the last layer.</summary>
    public int OutputSize => Layers[^1].Units;

    /// <summary>The loss the model trains against.</summary>
    public LossKind Loss { get; }

    /// <summary>The length of the flat parameter block, Σ (in·out + out) over the layers.</summary>
    public int ParameterCount { get; }

    /// <summary>Completed training epochs.</summary>
    public long Epoch { get; }

    /// <summary>Completed training steps (mini-batches).</summary>
    public long Step { get; }

    /// <summary>The random generator's state words for an exact resume; empty when none was saved.</summary>
    public IReadOnlyList<ulong> RngState { get; }

    /// <summary>Free-form key/value metadata (feature scaling statistics, class names, ...); empty when none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>True when the description carries optimizer state for resuming training.</summary>
    public abstract bool HasOptimizerState { get; }

    /// <summary>The parameter count of an architecture: Σ (in·out + out) over the layers.</summary>
    /// <param name="inputSize">The number of inputs of the first layer, at least 1.</param>
    /// <param name="layers">The layers, at least one, each with at least one unit and a known, finite activation.</param>
    /// <exception cref="ArgumentException">The architecture is invalid or has more than <see cref="Array.MaxLength"/> parameters.</exception>
    public static int CountParameters(int inputSize, IReadOnlyList<Dense> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        if (layers.Count == 0) throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        long count = 0;
        long fanIn = inputSize;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Units < 1)
                throw new ArgumentException($"Layer {i} has {layer.Units} units; at least 1 is required.", nameof(layers));
            if (!Enum.IsDefined(layer.Activation.Kind))
                throw new ArgumentException($"Layer {i} has unknown activation kind {(int)layer.Activation.Kind}.", nameof(layers));
            if (!double.IsFinite(layer.Activation.Parameter))
                throw new ArgumentException($"Layer {i} has a non-finite activation parameter {layer.Activation.Parameter}.", nameof(layers));
            // fanIn ≤ int.MaxValue and units ≤ int.MaxValue, so (fanIn + 1)·units fits in a long; the running sum is capped below.
            count += (fanIn + 1) * layer.Units;
            if (count > Array.MaxLength)
                throw new ArgumentException($"The architecture has more than {Array.MaxLength} parameters (at layer {i}).", nameof(layers));
            fanIn = layer.Units;
        }
        return (int)count;
    }

    private static Dictionary<string, string> CopyMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            if (key is null || value is null)
                throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
            copy.Add(key, value);
        }
        return copy;
    }
}

/// <summary>A model description whose parameters and optimizer state are of type <typeparamref name="T"/> (float or double).</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class ModelDescription<T> : ModelDescription
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a description and checks that it is consistent.</summary>
    /// <param name="inputSize">The number of inputs of the first layer.</param>
    /// <param name="layers">The dense layers in order.</param>
    /// <param name="loss">The training loss.</param>
    /// <param name="parameters">The flat parameter block (held, not copied); its length must equal <see cref="ModelDescription.CountParameters"/>.</param>
    /// <param name="optimizer">Optional optimizer state; each of its buffers must have the parameter block's length.</param>
    /// <param name="epoch">Completed epochs, ≥ 0.</param>
    /// <param name="step">Completed steps, ≥ 0.</param>
    /// <param name="rngState">Optional random generator state words (copied).</param>
    /// <param name="metadata">Optional free-form metadata (copied).</param>
    /// <exception cref="ArgumentException">The architecture is invalid or a length does not match it.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public ModelDescription(int inputSize, IReadOnlyList<Dense> layers, LossKind loss, T[] parameters,
        OptimizerStateDescription<T>? optimizer = null, long epoch = 0, long step = 0,
        IReadOnlyList<ulong>? rngState = null, IReadOnlyDictionary<string, string>? metadata = null)
        : base(inputSize, layers, loss, epoch, step, rngState, metadata)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Length != ParameterCount)
            throw new ArgumentException(
                $"The parameter block has {parameters.Length} elements but the architecture needs {ParameterCount}.", nameof(parameters));
        if (optimizer is not null)
        {
            for (int i = 0; i < optimizer.Buffers.Count; i++)
            {
                if (optimizer.Buffers[i].Length != ParameterCount)
                    throw new ArgumentException(
                        $"Optimizer buffer {i} has {optimizer.Buffers[i].Length} elements; the parameter block has {ParameterCount}.", nameof(optimizer));
            }
        }
        Parameters = parameters;
        Optimizer = optimizer;
    }

    /// <inheritdoc />
    public override ModelElementType ElementType => ElementTypeOf;

    /// <summary>The flat parameter block: per layer, W [in, out] row-major then b [out].</summary>
    public T[] Parameters { get; }

    /// <summary>The optimizer state, or null when none was saved.</summary>
    public OptimizerStateDescription<T>? Optimizer { get; }

    /// <inheritdoc />
    public override bool HasOptimizerState => Optimizer is not null;

    internal static ModelElementType ElementTypeOf =>
        typeof(T) == typeof(float) ? ModelElementType.Float32
        : typeof(T) == typeof(double) ? ModelElementType.Float64
        : throw new NotSupportedException($"Model element type {typeof(T).Name} is not supported; use float or double.");

    /// <summary>
    /// The same model with parameters and optimizer buffers converted to <typeparamref name="TOther"/>
    /// (rounded to nearest when narrowing); returns this instance when the types already match.
    /// </summary>
    /// <typeparam name="TOther"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public ModelDescription<TOther> ConvertTo<TOther>()
        where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        if (this is ModelDescription<TOther> same) return same;
        var optimizer = Optimizer is null ? null : new OptimizerStateDescription<TOther>(Optimizer.Kind,
            Optimizer.HyperParameters, Optimizer.StepCount, ConvertBuffers<TOther>(Optimizer.Buffers));
        return new ModelDescription<TOther>(InputSize, Layers, Loss, Convert<TOther>(Parameters), optimizer, Epoch, Step,
            RngState, Metadata);
    }

    private static TOther[][] ConvertBuffers<TOther>(IReadOnlyList<T[]> buffers)
        where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        var converted = new TOther[buffers.Count][];
        for (int i = 0; i < converted.Length; i++) converted[i] = Convert<TOther>(buffers[i]);
        return converted;
    }

    private static TOther[] Convert<TOther>(T[] source)
        where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        var result = new TOther[source.Length];
        for (int i = 0; i < source.Length; i++) result[i] = TOther.CreateTruncating(source[i]);
        return result;
    }
}
