using System.CommandLine;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop export --model M --format safetensors|onnx --output F</c>: writes the weights as PyTorch's
/// <c>nn.Sequential(Linear, Act, …, Linear)</c> state dict, or the whole network as an ONNX graph (IR 8, opset 17).
/// </summary>
internal static class ExportCommand
{
    private static readonly Dictionary<string, string> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["safetensors"] = "safetensors",
        ["onnx"] = "onnx",
    };

    public static Command Create(ToolConsole console)
    {
        Option<string> model = ModelOptions.Model();
        var format = new Choice<string>("--format", "The file format to write.", Formats, "safetensors");
        var output = new Option<string>("--output") { Description = "The file to write.", Required = true };
        var command = new Command("export", "Convert a native model file to safetensors in PyTorch's nn.Sequential naming, or to ONNX.")
        {
            model, format.Option, output,
        };
        command.SetAction(parsed =>
        {
            string target = parsed.GetValue(output)!;
            OutputPath.Prepare(target, "--output");
            ModelDescription description = NativeModelFormat.Load(parsed.GetValue(model)!);
            bool onnx = format.Get(parsed) == "onnx";
            if (onnx) OnnxModel.Save(target, description);
            else PyTorchSequential.Export(description).Save(target);
            console.Output.WriteLine("wrote " + target + " (" + description.Layers.Count + " Linear layers, "
                + description.ParameterCount + " parameters, F32" + (onnx ? ", ONNX opset " + OnnxModel.OpsetVersion : "") + ")");
            return ExitCode.Success;
        });
        return command;
    }
}
