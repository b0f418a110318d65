using Backprop.Simd.Model;
using System.CommandLine;
using System.Globalization;
using Backprop.Cli.Options;
using Backprop.Simd.IO;

namespace Backprop.Cli.Commands;

/// <summary><c>backprop info --model FILE</c>: the architecture, parameter count, training counters and metadata of a model file.</summary>
internal static class InfoCommand
{
    private const int MaxShownValueLength = 100;

    public static Command Create(ToolConsole console)
    {
        Option<string> model = ModelOptions.Model();
        var command = new Command("info", "Show a model file's layers, parameter count and metadata.") { model };
        command.SetAction(parsed => Run(console, parsed.GetValue(model)!));
        return command;
    }

    private static int Run(ToolConsole console, string path)
    {
        ModelDescription model = NativeModelFormat.Load(path);
        TextWriter output = console.Output;
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine(path + ": native model file, format version " + NativeModelFormat.FormatVersion.ToString(invariant)
            + ", " + (model.ElementType == ModelElementType.Float32 ? "float32" : "float64"));
        output.WriteLine("  input        " + model.InputSize.ToString(invariant) + " features");
        int inputs = model.InputSize;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Dense layer = model.Layers[i];
            long parameters = (long)inputs * layer.Units + layer.Units;
            output.WriteLine(string.Create(invariant,
                $"  layer {i + 1,-6} {layer.Units,6} units  {ActivationOption.NameOf(layer.Activation),-14} {parameters,10:N0} parameters"));
            inputs = layer.Units;
        }
        output.WriteLine(string.Create(invariant, $"  parameters   {model.ParameterCount:N0}"));
        output.WriteLine("  loss         " + LossOption.NameOf(model.Loss));
        output.WriteLine(string.Create(invariant, $"  trained      {model.Epoch} epochs, {model.Step} steps"));
        output.WriteLine("  optimizer    " + OptimizerSummary(model));
        foreach ((string key, string value) in model.Metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            string shown = value.Length <= MaxShownValueLength ? value
                : value[..MaxShownValueLength] + "… (" + value.Length.ToString(invariant) + " characters)";
            output.WriteLine("  " + key + " = " + shown.ReplaceLineEndings(" "));
        }
        return ExitCode.Success;
    }

    private static string OptimizerSummary(ModelDescription model) => model switch
    {
        ModelDescription<float> { Optimizer: { } state } => Describe(state.Kind, state.StepCount, state.HyperParameters),
        ModelDescription<double> { Optimizer: { } state } => Describe(state.Kind, state.StepCount, state.HyperParameters),
        _ => "no state saved (inference only)",
    };

    private static string Describe(string kind, long steps, IReadOnlyDictionary<string, double> hyperParameters)
    {
        var parts = new List<string>();
        // Settings at zero are those the optimizer does not use (or uses switched off); listing them is noise.
        foreach ((string name, double value) in hyperParameters.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            if (value != 0) parts.Add(name + "=" + value.ToString("G6", CultureInfo.InvariantCulture));
        return kind + " after " + steps.ToString(CultureInfo.InvariantCulture) + " steps"
            + (parts.Count == 0 ? "" : " (" + string.Join(", ", parts) + ")");
    }
}
