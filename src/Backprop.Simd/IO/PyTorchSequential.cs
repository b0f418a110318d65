using System.Globalization;
using System.Text;
using Backprop.Simd.Model;

namespace Backprop.Simd.IO;

/// <summary>
/// Maps a model to and from the tensors of PyTorch's <c>nn.Sequential(Linear, Act, Linear, Act, ..., Linear)</c> state
/// dict, so a model trained in PyTorch can be served here and the other way round.
/// </summary>
/// <remarks>
/// <para>Export naming: layer i (0-based) is the <c>nn.Linear</c> at Sequential index 2i, its activation the module at
/// index 2i + 1. Every layer owns an activation slot, an identity one included, so layer i's tensors are always
/// <c>{2i}.weight</c> and <c>{2i}.bias</c> and the file loads into such a Sequential with <c>strict=True</c>.</para>
/// <para>Import is wider (see <see cref="PyTorchSequentialLayout"/>): the Linear layers are the Sequential indices that
/// carry tensors, in increasing order, whatever the gaps, so Dropout and Identity modules (which have no tensors and do
/// nothing at inference) may sit anywhere; the names may share a module prefix such as <c>net.</c>. The gaps do not say
/// which activation a layer has: the caller or our metadata does.</para>
/// <para><c>weight</c> has PyTorch's shape [out, in], the transpose of our [in, out] block; <c>bias</c> is [out].
/// Export writes F32 (a float64 model is rounded to nearest) and records the architecture in the metadata keys
/// <see cref="InputSizeKey"/>, <see cref="ActivationsKey"/> and <see cref="LossKey"/>; the model's own metadata is
/// copied alongside.</para>
/// </remarks>
public static class PyTorchSequential
{
    /// <summary>Metadata key of the input size, written as a decimal integer.</summary>
    public const string InputSizeKey = "backprop.input_size";

    /// <summary>
    /// Metadata key of the activations, one per layer, comma-separated, each an <see cref="ActivationKind"/> name
    /// optionally followed by ':' and its parameter, e.g. <c>"LeakyRelu:0.01,Relu,Identity"</c>.
    /// </summary>
    public const string ActivationsKey = "backprop.activations";

    /// <summary>Metadata key of the loss, a <see cref="LossKind"/> name.</summary>
    public const string LossKey = "backprop.loss";

    private const string ReservedPrefix = "backprop.";

    /// <summary>The name of layer <paramref name="layer"/>'s weight tensor: <c>{2·layer}.weight</c>.</summary>
    /// <param name="layer">The 0-based layer index.</param>
    public static string WeightName(int layer) => (2 * layer).ToString(CultureInfo.InvariantCulture) + ".weight";

    /// <summary>The name of layer <paramref name="layer"/>'s bias tensor: <c>{2·layer}.bias</c>.</summary>
    /// <param name="layer">The 0-based layer index.</param>
    public static string BiasName(int layer) => (2 * layer).ToString(CultureInfo.InvariantCulture) + ".bias";

    /// <summary>The model's parameters as PyTorch-named F32 tensors, with the architecture in the metadata.</summary>
    /// <param name="model">The model to export; its optimizer and RNG state are not exported.</param>
    public static SafeTensorsFile Export(ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = model switch
        {
            ModelDescription<float> single => single.Parameters,
            ModelDescription<double> dual => dual.ConvertTo<float>().Parameters,
            _ => throw new ArgumentException($"Unsupported element type {model.ElementType}.", nameof(model)),
        };
        var tensors = new SafeTensor[2 * model.Layers.Count];
        int offset = 0, fanIn = model.InputSize;
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            int fanOut = model.Layers[layer].Units;
            // Ours is W [in, out] row-major, PyTorch's weight is [out, in]: element (i, o) moves to (o, i).
            var weight = new float[fanOut * fanIn];
            for (int i = 0; i < fanIn; i++)
            {
                for (int o = 0; o < fanOut; o++) weight[o * fanIn + i] = parameters[offset + i * fanOut + o];
            }
            offset += fanIn * fanOut;
            tensors[2 * layer] = new SafeTensor(WeightName(layer), [fanOut, fanIn], weight);
            tensors[2 * layer + 1] = new SafeTensor(BiasName(layer), [fanOut], parameters.AsSpan(offset, fanOut).ToArray());
            offset += fanOut;
            fanIn = fanOut;
        }
        var metadata = new Dictionary<string, string>(model.Metadata, StringComparer.Ordinal)
        {
            [InputSizeKey] = model.InputSize.ToString(CultureInfo.InvariantCulture),
            [ActivationsKey] = FormatActivations(model.Layers),
            [LossKey] = model.Loss.ToString(),
        };
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>
    /// A float model from the state dict of a PyTorch <c>nn.Sequential</c> of Linear layers and tensor-free modules
    /// (activations, Dropout, Identity), laid out as <see cref="PyTorchSequentialLayout.Find"/> finds it. The layer
    /// sizes come from the tensor shapes; the activations and the loss come from the arguments when given, otherwise
    /// from the file's metadata.
    /// </summary>
    /// <param name="file">Tensors named <c>{prefix}{index}.weight</c> and <c>{prefix}{index}.bias</c> and nothing else, e.g. <c>0.weight</c>, <c>0.bias</c>, <c>3.weight</c>, <c>3.bias</c>.</param>
    /// <param name="activations">One activation per Linear layer, the output layer's last, overriding the metadata; required for files without it.</param>
    /// <param name="loss">The loss, overriding the metadata; required for files without it.</param>
    /// <param name="prefix">The module prefix of the names (e.g. <c>net.</c>; empty for none); null to detect the one every tensor shares.</param>
    /// <exception cref="ModelFormatException">A tensor is outside the layout, missing or misshapen (the message names it), or the architecture is neither in the file nor given.</exception>
    /// <exception cref="ArgumentException"><paramref name="activations"/> does not have one entry per layer, or gives a non-identity activation to a layer the next Linear follows directly; <paramref name="prefix"/> does not end in '.'.</exception>
    public static ModelDescription<float> Import(SafeTensorsFile file, IReadOnlyList<Activation>? activations = null,
        LossKind? loss = null, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var layout = PyTorchSequentialLayout.Find(file, prefix);
        int layerCount = layout.LayerCount, inputSize = layout.InputSize;
        if (file.Metadata.TryGetValue(InputSizeKey, out string? recordedInput)
            && recordedInput != inputSize.ToString(CultureInfo.InvariantCulture))
            throw new ModelFormatException($"Metadata '{InputSizeKey}' is '{recordedInput}' but tensor '{layout.Weight(0).Name}' has {inputSize} inputs.");
        if (activations is not null && activations.Count != layerCount)
            throw new ArgumentException($"{activations.Count} activations were given for {layerCount} layers.", nameof(activations));
        var layerActivations = activations ?? ReadActivations(file, layerCount);
        RequireNoActivationWithoutModule(layout, layerActivations, fromCaller: activations is not null);
        var layers = new Dense[layerCount];
        for (int layer = 0; layer < layerCount; layer++) layers[layer] = new Dense(layout.Weight(layer).Shape[0], layerActivations[layer]);

        int parameterCount;
        try
        {
            parameterCount = ModelDescription.CountParameters(inputSize, layers);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"The architecture is invalid: {e.Message}", e);
        }
        var parameters = new float[parameterCount];
        int offset = 0, fanIn = inputSize;
        for (int layer = 0; layer < layerCount; layer++)
        {
            int fanOut = layers[layer].Units;
            var weight = layout.Weight(layer).Values;
            for (int i = 0; i < fanIn; i++)
            {
                for (int o = 0; o < fanOut; o++) parameters[offset + i * fanOut + o] = weight[o * fanIn + i];
            }
            offset += fanIn * fanOut;
            layout.Bias(layer).Values.CopyTo(parameters, offset);
            offset += fanOut;
            fanIn = fanOut;
        }
        return new ModelDescription<float>(inputSize, layers, loss ?? ReadLoss(file), parameters, metadata: UserMetadata(file));
    }

    // Adjacent Sequential indices leave no slot for a module, so an activation there is one PyTorch never applies.
    private static void RequireNoActivationWithoutModule(PyTorchSequentialLayout layout, IReadOnlyList<Activation> activations,
        bool fromCaller)
    {
        for (int layer = 0; layer < layout.LayerCount - 1; layer++)
        {
            if (!layout.IsFollowedDirectly(layer) || activations[layer].Kind == ActivationKind.Identity) continue;
            string message = $"Linear layers '{layout.Weight(layer).Name}' and '{layout.Weight(layer + 1).Name}' are adjacent "
                + $"Sequential modules, so layer {layer} has no activation, but {activations[layer].Kind} is given for it; give Identity.";
            throw fromCaller ? new ArgumentException(message, nameof(activations))
                : new ModelFormatException($"Metadata '{ActivationsKey}': {message}");
        }
    }

    private static string FormatActivations(IReadOnlyList<Dense> layers)
    {
        var text = new StringBuilder();
        for (int i = 0; i < layers.Count; i++)
        {
            var activation = layers[i].Activation;
            if (i > 0) text.Append(',');
            text.Append(activation.Kind.ToString());
            if (activation.Parameter != 0) text.Append(':').Append(activation.Parameter.ToString("R", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private static Activation[] ReadActivations(SafeTensorsFile file, int layerCount)
    {
        if (!file.Metadata.TryGetValue(ActivationsKey, out string? text))
            throw new ModelFormatException(
                $"The file has no '{ActivationsKey}' metadata (a plain PyTorch file?); pass the activations explicitly: one per "
                + $"Linear layer, {layerCount} here, the output layer's last (e.g. {ExampleActivations(layerCount)}).");
        string[] items = text.Split(',');
        if (items.Length != layerCount)
            throw new ModelFormatException($"Metadata '{ActivationsKey}' lists {items.Length} activations for {layerCount} layers.");
        var activations = new Activation[layerCount];
        for (int i = 0; i < items.Length; i++)
        {
            string[] parts = items[i].Split(':');
            double parameter = 0;
            if (parts.Length > 2 || !TryParseName(parts[0], out ActivationKind kind)
                || (parts.Length == 2 && !(double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out parameter) && double.IsFinite(parameter))))
                throw new ModelFormatException($"Metadata '{ActivationsKey}' entry {i} '{items[i]}' is not 'Kind' or 'Kind:parameter'.");
            activations[i] = new Activation(kind, parameter);
        }
        return activations;
    }

    private static string ExampleActivations(int layerCount) =>
        string.Join(", ", [.. Enumerable.Repeat(nameof(Activation.Relu), layerCount - 1), nameof(Activation.Identity)]);

    private static LossKind ReadLoss(SafeTensorsFile file)
    {
        if (!file.Metadata.TryGetValue(LossKey, out string? text))
            throw new ModelFormatException($"The file has no '{LossKey}' metadata (a plain PyTorch file?); pass the loss explicitly.");
        return TryParseName(text, out LossKind loss) ? loss
            : throw new ModelFormatException($"Metadata '{LossKey}' is '{text}', not a known loss.");
    }

    // Names only: Enum.TryParse alone would also accept numbers and comma lists.
    private static bool TryParseName<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
        => Enum.TryParse(text, ignoreCase: false, out value) && Enum.IsDefined(value) && text.Length > 0 && char.IsLetter(text[0]);

    private static Dictionary<string, string> UserMetadata(SafeTensorsFile file)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in file.Metadata)
        {
            if (!key.StartsWith(ReservedPrefix, StringComparison.Ordinal)) metadata.Add(key, value);
        }
        return metadata;
    }
}
