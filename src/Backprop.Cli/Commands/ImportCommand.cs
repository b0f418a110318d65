using System.CommandLine;
using Backprop.Cli.Input;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.IO;
using Backprop.Simd.Model;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop import --input F.safetensors --output M</c>: reads PyTorch's <c>nn.Sequential(Linear, Act, …, Linear)</c>
/// weights into a native model file. The architecture comes from the file's metadata (our exports carry it) or from
/// <c>--activation</c> and <c>--loss</c> for a plain PyTorch file.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(ToolConsole console)
    {
        var input = new Option<string>("--input") { Description = "The safetensors or ONNX (.onnx) file to read.", Required = true };
        var output = new Option<string>("--output") { Description = "The native model file to write.", Required = true };
        Option<string> activation = ActivationOption.Create("Hidden-layer activation for files without backprop metadata "
            + "(the output layer is linear); overrides the metadata when given.", defaultName: null);
        Choice<LossKind> loss = LossOption.Create("The loss for files without backprop metadata; overrides the metadata "
            + "when given.", defaultName: null);
        var command = new Command("import", "Convert a safetensors file in PyTorch's nn.Sequential naming to a native model file.")
        {
            input, output, activation, loss.Option,
        };
        command.SetAction(parsed =>
        {
            string target = parsed.GetValue(output)!;
            OutputPath.Prepare(target, "--output");
            if (OnnxImport.Recognises(parsed.GetValue(input)!))
                return OnnxImport.Run(console, parsed.GetValue(input)!, target, parsed.GetValue(activation),
                    loss.IsGiven(parsed) ? loss.Get(parsed) : null);
            SafeTensorsFile file = SafeTensorsFile.Load(parsed.GetValue(input)!);
            Activation[]? activations = null;
            if (parsed.GetValue(activation) is { } hidden) activations = ActivationsFor(file, ActivationOption.Parse(hidden));
            LossKind? lossKind = loss.IsGiven(parsed) ? loss.Get(parsed) : null;
            ModelDescription<float> model = PyTorchSequential.Import(file, activations, lossKind);
            ModelFile.RequireFinite(model, parsed.GetValue(input)!);
            NativeModelFormat.Save(target, model);
            console.Output.WriteLine("wrote " + target + " (" + model.Layers.Count + " layers, " + model.ParameterCount
                + " parameters)");
            return ExitCode.Success;
        });
        return command;
    }

    private static Activation[] ActivationsFor(SafeTensorsFile file, Activation hidden)
    {
        int layers = 0;
        while (file.TryGetTensor(PyTorchSequential.WeightName(layers), out _)) layers++;
        var activations = new Activation[Math.Max(layers, 1)];
        for (int i = 0; i < activations.Length - 1; i++) activations[i] = hidden;
        activations[^1] = Activation.Identity;
        return activations;
    }
}
