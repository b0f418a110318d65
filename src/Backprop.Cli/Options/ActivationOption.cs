using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Backprop.Simd.Kernels;

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

    /// <summary>The name the tool uses for an activation (the inverse of parsing, parameter included when non-default).</summary>
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

    public static Option<Activation> Create()
    {
        var option = new Option<Activation>("--activation")
        {
            Description = "Hidden-layer activation. One of: " + string.Join(", ", Names.Keys)
                + "; leaky-relu:SLOPE and elu:ALPHA set the parameter (default relu).",
            DefaultValueFactory = _ => Activation.Relu,
            CustomParser = Parse,
        };
        option.CompletionSources.Add(Names.Keys.ToArray());
        return option;
    }

    private static Activation Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? text : text[..colon];
        if (!Names.TryGetValue(name, out ActivationKind kind))
        {
            result.AddError("'" + text + "' is not a valid value for --activation; expected one of: "
                + string.Join(", ", Names.Keys) + ".");
            return default;
        }
        Activation activation = kind switch
        {
            ActivationKind.LeakyRelu => Activation.LeakyRelu(),
            ActivationKind.Elu => Activation.Elu(),
            _ => new Activation(kind),
        };
        if (colon < 0) return activation;
        if (kind is not (ActivationKind.LeakyRelu or ActivationKind.Elu)
            || !double.TryParse(text.AsSpan(colon + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double parameter)
            || !double.IsFinite(parameter))
        {
            result.AddError("'" + text + "' is not a valid value for --activation; only leaky-relu and elu take a "
                + "numeric parameter, as in leaky-relu:0.1.");
            return default;
        }
        return activation with { Parameter = parameter };
    }
}
