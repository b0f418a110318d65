using System.Globalization;

namespace Backprop.Simd.IO;

/// <summary>
/// The <c>nn.Linear</c> layers of a state dict of one PyTorch <c>nn.Sequential</c>: the Sequential indices that carry a
/// <c>.weight</c> and a <c>.bias</c>, in increasing index order, all under one module prefix, with shapes that chain.
/// </summary>
/// <remarks>
/// <para>Tensor names are <c>{prefix}{index}.weight</c> and <c>{prefix}{index}.bias</c>. Modules without tensors (the
/// activations, <c>nn.Dropout</c>, <c>nn.Identity</c>, <c>nn.Flatten</c>) leave gaps in the indices and are skipped:
/// in <c>Sequential(Linear, ReLU, Dropout, Linear)</c> the Linear layers at indices 0 and 3 are layers 0 and 1. Two
/// Linear layers at adjacent indices have no module between them, so the first of them has no activation.</para>
/// <para>The prefix is what a module that holds the Sequential as an attribute adds to the names: <c>net.</c> for
/// <c>self.net</c>, <c>model.layers.</c> for <c>self.model.layers</c>; it is empty for the Sequential's own state dict.
/// It is detected when every tensor shares one, or given to force one.</para>
/// </remarks>
public sealed class PyTorchSequentialLayout
{
    private const string WeightSuffix = ".weight";
    private const string BiasSuffix = ".bias";

    // Nine digits always fit an int; PyTorch's indices are small, so a longer one is not a Sequential index.
    private const int MaxIndexDigits = 9;

    private readonly SafeTensor[] _weights;
    private readonly SafeTensor[] _biases;

    private PyTorchSequentialLayout(string prefix, int[] indices, SafeTensor[] weights, SafeTensor[] biases)
    {
        Prefix = prefix;
        SequentialIndices = indices;
        _weights = weights;
        _biases = biases;
    }

    /// <summary>The module prefix shared by every tensor name, empty or ending in '.' (e.g. <c>net.</c>).</summary>
    public string Prefix { get; }

    /// <summary>The Sequential index of each Linear layer, increasing; layer i's tensors are <c>{Prefix}{SequentialIndices[i]}.weight</c> and <c>.bias</c>.</summary>
    public IReadOnlyList<int> SequentialIndices { get; }

    /// <summary>The number of Linear layers, the output layer included (≥ 1).</summary>
    public int LayerCount => _weights.Length;

    /// <summary>The number of inputs of the first Linear layer.</summary>
    public int InputSize => _weights[0].Shape[1];

    /// <summary>
    /// True when no module sits between Linear layer <paramref name="layer"/> and the next one (their Sequential indices
    /// are adjacent), so <paramref name="layer"/> has no activation.
    /// </summary>
    /// <param name="layer">A 0-based layer index below <see cref="LayerCount"/> − 1.</param>
    public bool IsFollowedDirectly(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, LayerCount - 1);
        return SequentialIndices[layer + 1] == SequentialIndices[layer] + 1;
    }

    /// <summary>Layer <paramref name="layer"/>'s weight, PyTorch's [out, in].</summary>
    internal SafeTensor Weight(int layer) => _weights[layer];

    /// <summary>Layer <paramref name="layer"/>'s bias, [out].</summary>
    internal SafeTensor Bias(int layer) => _biases[layer];

    /// <summary>Finds the Linear layers of <paramref name="file"/> and checks that they form one chain.</summary>
    /// <param name="file">A state dict of one <c>nn.Sequential</c> of Linear layers and tensor-free modules.</param>
    /// <param name="prefix">The module prefix to require (empty for none); null to detect the one every tensor shares.</param>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is neither empty nor ends in '.'.</exception>
    /// <exception cref="ModelFormatException">A tensor is not a Linear weight or bias under the prefix (the message names the first), a weight or bias is missing, or the shapes do not chain.</exception>
    public static PyTorchSequentialLayout Find(SafeTensorsFile file, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (prefix is { Length: > 0 } && !prefix.EndsWith('.'))
            throw new ArgumentException($"The prefix '{prefix}' must end in '.', as in '{prefix}.'.", nameof(prefix));
        if (file.Tensors.Count == 0)
            throw new ModelFormatException($"The file has no tensor '{prefix}0{WeightSuffix}'; it is not an nn.Sequential of Linear layers.");

        var byIndex = new SortedDictionary<int, (SafeTensor? Weight, SafeTensor? Bias)>();
        string? firstName = null, common = null;
        foreach (var tensor in file.Tensors)
        {
            if (!TryParseName(tensor.Name, out string tensorPrefix, out int index, out bool isWeight))
                throw new ModelFormatException($"Tensor '{tensor.Name}' is not a Linear layer's '{{prefix}}{{index}}{WeightSuffix}' or "
                    + $"'{BiasSuffix}'; an nn.Sequential of Linear layers, activations, Dropout and Identity has no other tensors.");
            if (prefix is not null && tensorPrefix != prefix)
                throw new ModelFormatException($"Tensor '{tensor.Name}' is not under the given prefix '{prefix}' (its prefix is '{tensorPrefix}').");
            if (common is null) (firstName, common) = (tensor.Name, tensorPrefix);
            else if (tensorPrefix != common)
                throw new ModelFormatException($"Tensor '{tensor.Name}' has the module prefix '{tensorPrefix}' but '{firstName}' has "
                    + $"'{common}'; the file holds more than one module, and only one nn.Sequential can be imported.");
            byIndex.TryGetValue(index, out var pair);
            byIndex[index] = isWeight ? pair with { Weight = tensor } : pair with { Bias = tensor };
        }

        var indices = new int[byIndex.Count];
        var weights = new SafeTensor[byIndex.Count];
        var biases = new SafeTensor[byIndex.Count];
        int layer = 0;
        foreach (var (index, (weight, bias)) in byIndex)
        {
            string name = common + index.ToString(CultureInfo.InvariantCulture);
            if (weight is null)
                throw new ModelFormatException($"Tensor '{bias!.Name}' has no '{name}{WeightSuffix}' beside it; a Linear layer has both.");
            if (bias is null)
                throw new ModelFormatException($"Tensor '{name}{BiasSuffix}' is missing (Linear layers without bias are not supported).");
            if (weight.Shape.Count != 2)
                throw new ModelFormatException($"Tensor '{weight.Name}' has rank {weight.Shape.Count}; a Linear weight is [out, in].");
            int fanOut = weight.Shape[0], fanIn = weight.Shape[1];
            if (layer > 0 && fanIn != weights[layer - 1].Shape[0])
                throw new ModelFormatException($"Tensor '{weight.Name}' expects {fanIn} inputs but the previous layer has {weights[layer - 1].Shape[0]} outputs.");
            if (bias.Shape.Count != 1 || bias.Shape[0] != fanOut)
                throw new ModelFormatException($"Tensor '{bias.Name}' has shape [{string.Join(", ", bias.Shape)}]; expected [{fanOut}].");
            indices[layer] = index;
            weights[layer] = weight;
            biases[layer] = bias;
            layer++;
        }
        return new PyTorchSequentialLayout(common!, indices, weights, biases);
    }

    // "{prefix}{index}.weight" or ".bias", the prefix empty or ending in '.', the index canonical decimal (so "01" and
    // "1" cannot both name layer 1).
    private static bool TryParseName(string name, out string prefix, out int index, out bool isWeight)
    {
        prefix = "";
        index = 0;
        isWeight = name.EndsWith(WeightSuffix, StringComparison.Ordinal);
        if (!isWeight && !name.EndsWith(BiasSuffix, StringComparison.Ordinal)) return false;
        string stem = name[..^(isWeight ? WeightSuffix.Length : BiasSuffix.Length)];
        int start = stem.LastIndexOf('.') + 1;
        ReadOnlySpan<char> digits = stem.AsSpan(start);
        if (digits.Length == 0 || digits.Length > MaxIndexDigits || (digits[0] == '0' && digits.Length > 1)) return false;
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        index = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        prefix = stem[..start];
        return true;
    }
}
