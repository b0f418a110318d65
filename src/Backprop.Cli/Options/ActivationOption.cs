using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Backprop.Simd.Model;

namespace Backprop.Cli.Options;

/// <summary>
/// Activation names on the command line: <c>relu</c>, <c>tanh</c>, … and the parameterised <c>leaky-relu:0.1</c>,
/// <c>elu:1.0</c>.
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
            Description = description + " leaky-relu:SLOPE and elu:ALPHA set the parameter.",
            HelpName = string.Join('|', Names.Keys),
        };
        if (defaultName is not null) option.DefaultValueFactory = _ => defaultName;
        option.Validators.Add(Validate);
        return option;
    }

    /// <summary>The activation a validated option value names.</summary>
    public static Activation Parse(string text) =>
        TryParse(text, out Activation activation, out _) ? activation
            : throw new ArgumentException("'" + text + "' is not an activation.", nameof(text));

    private static void Validate(OptionResult result)
    {
        if (result.Implicit || result.Tokens.Count == 0) return;
        if (!TryParse(result.Tokens[0].Value, out _, out string? error)) result.AddError(error!);
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
