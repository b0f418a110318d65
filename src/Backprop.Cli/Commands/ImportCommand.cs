using System.CommandLine;
using Backprop.Cli.Input;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.IO;
using Backprop.Simd.Model;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop import --input F.safetensors --output M</c>: reads PyTorch's <c>nn.Sequential(Linear, Act, …, Linear)</c>
/// weights into a native model file. The Linear layers may sit at any Sequential indices (Dropout and Identity between
/// them) under one module prefix (detected, or <c>--prefix</c>). The architecture comes from the file's metadata (our
/// exports carry it) or from <c>--activation</c> (one name for all hidden layers or one per layer) and <c>--loss</c>
/// for a plain PyTorch file. An ONNX file (<c>.onnx</c>, or recognised by its content) goes to <see cref="OnnxImport"/>.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(ToolConsole console)
    {
        var input = new Option<string>("--input") { Description = "The safetensors or ONNX (.onnx) file to read.", Required = true };
        var output = new Option<string>("--output") { Description = "The native model file to write.", Required = true };
        Option<string> activation = ActivationOption.Create("Hidden-layer activations for files without backprop metadata "
            + "(the output layer is linear); overrides the metadata when given.", defaultName: null);
        var prefix = new Option<string>("--prefix")
        {
            Description = "The module prefix of the safetensors names, e.g. net. for net.0.weight (\"\" for none); "
                + "detected when every tensor shares one.",
        };
        prefix.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: { Length: > 0 } given }] && !given.EndsWith('.'))
                result.AddError("--prefix '" + given + "' must end in '.', as in " + given + ".");
        });
        Choice<LossKind> loss = LossOption.Create("The loss for files without backprop metadata; overrides the metadata "
            + "when given.", defaultName: null);
        var command = new Command("import", "Convert a safetensors file in PyTorch's nn.Sequential naming, or an ONNX MLP, to a native model file.")
        {
            input, output, activation, loss.Option, prefix,
        };
        command.SetAction(parsed =>
        {
            string target = parsed.GetValue(output)!;
            OutputPath.Prepare(target, "--output");
            if (OnnxImport.Recognises(parsed.GetValue(input)!))
            {
                if (parsed.GetValue(prefix) is not null)
                    throw new UsageException("--prefix does not apply to ONNX files: their layers are found by the graph, not by names.");
                return OnnxImport.Run(console, parsed.GetValue(input)!, target, parsed.GetValue(activation),
                    loss.IsGiven(parsed) ? loss.Get(parsed) : null);
            }
            ModelDescription<float> model = ImportSafeTensors(parsed.GetValue(input)!, parsed.GetValue(activation),
                loss.IsGiven(parsed) ? loss.Get(parsed) : null, parsed.GetValue(prefix));
            ModelFile.RequireFinite(model, parsed.GetValue(input)!);
            NativeModelFormat.Save(target, model);
            console.Output.WriteLine("wrote " + target + " (" + model.Layers.Count + " layers, " + model.ParameterCount
                + " parameters)");
            return ExitCode.Success;
        });
        return command;
    }

    private static ModelDescription<float> ImportSafeTensors(string path, string? hiddenActivations, LossKind? loss, string? prefix)
    {
        SafeTensorsFile file = SafeTensorsFile.Load(path);
        PyTorchSequentialLayout layout = PyTorchSequentialLayout.Find(file, prefix);
        int hidden = layout.LayerCount - 1;
        // With no hidden layer the one Linear layer is the output, which is linear: there is nothing to ask.
        bool activationsNeeded = hidden > 0 && !file.Metadata.ContainsKey(PyTorchSequential.ActivationsKey);
        bool lossNeeded = !file.Metadata.ContainsKey(PyTorchSequential.LossKey);
        if ((hiddenActivations is null && activationsNeeded) || (loss is null && lossNeeded))
            throw new ModelFormatException(MissingArchitecture(path, hidden, hiddenActivations is null && activationsNeeded,
                loss is null && lossNeeded));
        Activation[]? activations = hiddenActivations is not null
            ? [.. ActivationOption.ForHiddenLayers(hiddenActivations, hidden, "the file"), Activation.Identity]
            : file.Metadata.ContainsKey(PyTorchSequential.ActivationsKey) ? null : [Activation.Identity];
        return PyTorchSequential.Import(file, activations, loss, layout.Prefix);
    }

    private static string MissingArchitecture(string path, int hidden, bool activations, bool loss)
    {
        var text = new System.Text.StringBuilder(path).Append(" has no backprop metadata (a plain PyTorch file?); it has ")
            .Append(hidden).Append(" hidden layers and a linear output layer, so pass ");
        if (activations)
            text.Append("--activation with one name for all hidden layers or one per layer, e.g. --activation ")
                .Append(ActivationOption.ExampleList(hidden)).Append(loss ? ", and " : ".");
        if (loss) text.Append("--loss, e.g. --loss cross-entropy.");
        return text.ToString();
    }
}
