using Backprop.Cli.Input;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Model;

namespace Backprop.Cli.Commands;

/// <summary>
/// The ONNX branch of <c>backprop import</c>: the graph names its own activations, so only <c>--loss</c> applies
/// (and is required for files that carry no backprop loss metadata, such as PyTorch's).
/// </summary>
internal static class OnnxImport
{
    private const byte IrVersionTag = 0x08;   // ModelProto field 1 (ir_version), varint: how every ONNX writer starts
    private const byte SafeTensorsJsonStart = (byte)'{';

    /// <summary>
    /// True for the <c>.onnx</c> extension, or for content that opens with ModelProto's ir_version, a small varint,
    /// where a safetensors file would have its JSON header's '{' at byte 8.
    /// </summary>
    public static bool Recognises(string path)
    {
        if (path.EndsWith(OnnxModel.FileExtension, StringComparison.OrdinalIgnoreCase)) return true;
        if (!File.Exists(path)) return false;
        Span<byte> head = stackalloc byte[9];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        int count = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return count == head.Length && head[0] == IrVersionTag && head[1] is > 0 and < 0x80 && head[8] != SafeTensorsJsonStart;
    }

    public static int Run(ToolConsole console, string source, string target, string? activation, LossKind? loss)
    {
        if (activation is not null)
            throw new UsageException("--activation does not apply to ONNX files: the graph names each layer's activation.");
        ModelDescription<float> model = OnnxModel.Load(source, loss);
        ModelFile.RequireFinite(model, source);
        NativeModelFormat.Save(target, model);
        console.Output.WriteLine("wrote " + target + " (" + model.Layers.Count + " layers, " + model.ParameterCount
            + " parameters, from ONNX)");
        return ExitCode.Success;
    }
}
