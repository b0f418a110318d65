using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Backprop.Simd.Model;

namespace Backprop.Cli.Options;

/// <summary>
/// Activation names on the command line: <c>relu</c>, <c>tanh</c>, … and the parameterised <c>leaky-relu:0.1</c>,
/// <c>elu:1.0</c>; a comma list such as <c>relu,tanh</c> gives one per hidden layer, a single name applies to all.
/// </summary>
internal static class ActivationOption
{
    private static readonly Dictionary<string, ActivationKind> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["identity"] = ActivationKind.Identity,
        ["sigmoid"] = ActivationKind.Sigmoid,
        ["tanh"] = ActivationKind.Tanh,
        ["relu"] = ActivationKind.Relu,
        ["leaky-relu"] = ActivationKind.LeakyRelu,
        ["elu"] = ActivationKind.Elu,
        ["gelu"] = ActivationKind.Gelu,
        ["gelu-tanh"] = ActivationKind.GeluTanh,
        ["softplus"] = ActivationKind.Softplus,
        ["silu"] = ActivationKind.Silu,
    };

    /// <summary>The name the tool uses for an activation (the inverse of parsing, parameter included when it has one).</summary>
    public static string NameOf(Activation activation)
    {
        foreach ((string name, ActivationKind kind) in Names)
        {
            if (kind != activation.Kind) continue;
            bool hasParameter = kind is ActivationKind.LeakyRelu or ActivationKind.Elu;
            return hasParameter ? name + ":" + activation.Parameter.ToString("R", CultureInfo.InvariantCulture) : name;
        }
        return activation.Kind.ToString();
    }

    /// <summary><c>--activation</c>; a null <paramref name="defaultName"/> leaves it unset unless given.</summary>
    public static Option<string> Create(string description, string? defaultName)
    {
        var option = new Option<string>("--activation")
        {
            Description = description + " A comma list (relu,tanh) gives one per hidden layer; one name applies to all. "
                + "leaky-relu:SLOPE and elu:ALPHA set the parameter.",
            HelpName = string.Join('|', Names.Keys),
        };
        if (defaultName is not null) option.DefaultValueFactory = _ => defaultName;
        option.Validators.Add(Validate);
        return option;
    }

    /// <summary>
    /// The activations of <paramref name="hiddenLayers"/> hidden layers from a validated option value: one name for all
    /// of them, or one name per layer.
    /// </summary>
    /// <param name="text">The option's value.</param>
    /// <param name="hiddenLayers">How many hidden layers the network has.</param>
    /// <param name="counted">Where that count comes from, for the error (e.g. "--layers", "the file").</param>
    /// <exception cref="UsageException">The list has neither one name nor one per hidden layer.</exception>
    public static Activation[] ForHiddenLayers(string text, int hiddenLayers, string counted)
    {
        string[] items = text.Split(',');
        if (items.Length != 1 && items.Length != hiddenLayers)
            throw new UsageException("--activation lists " + items.Length + " activations but " + counted + " has " + hiddenLayers
                + " hidden layers; give one name for all of them" + (hiddenLayers > 1 ? " or " + hiddenLayers + ", e.g. --activation "
                + ExampleList(hiddenLayers) : "") + ".");
        var activations = new Activation[hiddenLayers];
        for (int i = 0; i < hiddenLayers; i++)
        {
            if (!TryParse(items[items.Length == 1 ? 0 : i], out activations[i], out _))
                throw new ArgumentException("'" + text + "' is not an activation list.", nameof(text));
        }
        return activations;
    }

    /// <summary>An example value naming <paramref name="hiddenLayers"/> activations, e.g. <c>relu,relu</c>.</summary>
    public static string ExampleList(int hiddenLayers) => string.Join(',', Enumerable.Repeat("relu", Math.Max(hiddenLayers, 1)));

    private static void Validate(OptionResult result)
    {
        if (result.Implicit || result.Tokens.Count == 0) return;
        string text = result.Tokens[0].Value;
        foreach (string item in text.Split(','))
        {
            string? error = null;
            if (item.Length == 0) error = "'" + text + "' is not a valid value for --activation: the list has an empty name.";
            else if (TryParse(item, out _, out error)) continue;
            result.AddError(error!);
            return;
        }
    }

    private static bool TryParse(string text, out Activation activation, out string? error)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? text : text[..colon];
        activation = default;
        error = null;
        if (!Names.TryGetValue(name, out ActivationKind kind))
        {
            error = "'" + text + "' is not a valid value for --activation; expected one of: " + string.Join(", ", Names.Keys) + ".";
            return false;
        }
        activation = kind switch
        {
            ActivationKind.LeakyRelu => Activation.LeakyRelu(),
            ActivationKind.Elu => Activation.Elu(),
            _ => new Activation(kind),
        };
        if (colon < 0) return true;
        if (kind is not (ActivationKind.LeakyRelu or ActivationKind.Elu)
            || !double.TryParse(text.AsSpan(colon + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double parameter)
            || !double.IsFinite(parameter))
        {
            error = "'" + text + "' is not a valid value for --activation; only leaky-relu and elu take a numeric parameter, "
                + "as in leaky-relu:0.1.";
            return false;
        }
        activation = activation with { Parameter = parameter };
        return true;
    }
}
