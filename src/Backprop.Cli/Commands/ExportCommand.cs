using System.CommandLine;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.IO;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop export --model M --format safetensors --output F</c>: writes the weights as PyTorch's
/// <c>nn.Sequential(Linear, Act, …, Linear)</c> state dict.
/// </summary>
internal static class ExportCommand
{
    private static readonly Dictionary<string, string> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["safetensors"] = "safetensors",
    };

    public static Command Create(ToolConsole console)
    {
        Option<string> model = ModelOptions.Model();
        var format = new Choice<string>("--format", "The file format to write.", Formats, "safetensors");
        var output = new Option<string>("--output") { Description = "The file to write.", Required = true };
        var command = new Command("export", "Convert a native model file to safetensors in PyTorch's nn.Sequential naming.")
        {
            model, format.Option, output,
        };
        command.SetAction(parsed =>
        {
            string target = parsed.GetValue(output)!;
            OutputPath.Prepare(target, "--output");
            ModelDescription description = NativeModelFormat.Load(parsed.GetValue(model)!);
            PyTorchSequential.Export(description).Save(target);
            console.Output.WriteLine("wrote " + target + " (" + description.Layers.Count + " Linear layers, "
                + description.ParameterCount + " parameters, F32)");
            return ExitCode.Success;
        });
        return command;
    }
}
