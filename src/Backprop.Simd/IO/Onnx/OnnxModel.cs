using Backprop.Simd.Model;

namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Writes a model as an ONNX file that ONNX Runtime (or any ONNX consumer) can run, and reads back the ONNX files of
/// MLPs, ours and those <c>torch.onnx.export</c> writes for an <c>nn.Sequential</c> of Linear layers and activations.
/// </summary>
/// <remarks>
/// <para>Export writes IR version <see cref="IrVersion"/> with opset <see cref="OpsetVersion"/>: the newest pair
/// PyTorch 1.13's exporter and the onnx 1.12 checker know, and one every ONNX Runtime since 1.12 runs. The graph has
/// one input <c>input</c> [batch, in] and one output <c>output</c> [batch, out] (the last layer's value: logits for a
/// softmax or sigmoid loss). Each layer is a Gemm on an [in, out] weight initializer <c>layer{i}.weight</c> and a bias
/// <c>layer{i}.bias</c>, followed by its activation: Relu, LeakyRelu and Elu (alpha), Sigmoid, Tanh and Softplus as
/// operators, SiLU as x·Sigmoid(x), GELU (exact and tanh) as PyTorch's Erf / Tanh decompositions since opset 17 has
/// no Gelu operator. The weights are float32 (a float64 model is rounded to nearest). The model's metadata goes to
/// metadata_props, with the loss under <see cref="PyTorchSequential.LossKey"/>.</para>
/// <para>Import accepts a chain input → (Gemm, or MatMul with an optional Add of its bias) → activation → … → output,
/// with float32 initializers or Constant nodes in raw_data or float_data, Identity and inference-mode Dropout nodes
/// anywhere, a Flatten(axis 1) on the 2-D input, and a Gelu operator from opset 20 on. Anything else fails with a
/// <see cref="ModelFormatException"/> naming the first node that does not fit (name and op type).</para>
/// <para>The file is read with a protobuf reader written for exactly these messages, which checks every length
/// against the bytes that remain and has a fixed nesting depth, so a hostile file yields only
/// <see cref="ModelFormatException"/>, never an allocation larger than the file or a stack overflow.</para>
/// </remarks>
public static class OnnxModel
{
    /// <summary>The ONNX IR version written: 8, the IR of opset 17.</summary>
    public const int IrVersion = 8;

    /// <summary>The version of the standard ONNX operator set written: 17.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The conventional extension of ONNX files, <c>.onnx</c>.</summary>
    public const string FileExtension = ".onnx";

    // Protobuf cannot hold a message of 2 GiB or more; larger models would need ONNX's external data files.
    private const long MaxFileBytes = int.MaxValue;

    /// <summary>The model as the bytes of an ONNX file; optimizer and RNG state are not exported.</summary>
    /// <param name="model">The model to export.</param>
    /// <exception cref="ArgumentException">The weights do not fit in one 2 GiB protobuf message.</exception>
    public static byte[] Export(ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var single = model switch
        {
            ModelDescription<float> f => f,
            ModelDescription<double> d => d.ConvertTo<float>(),
            _ => throw new ArgumentException($"Unsupported element type {model.ElementType}.", nameof(model)),
        };
        // The weights dominate the file; the slack covers names, nodes and metadata of any realistic model.
        if (4L * single.ParameterCount > MaxFileBytes - 64 * 1024 * 1024)
            throw new ArgumentException($"The model's {single.ParameterCount} parameters do not fit in one ONNX protobuf (2 GiB).", nameof(model));
        string version = typeof(OnnxModel).Assembly.GetName().Version?.ToString() ?? "";
        return OnnxProtoWriter.Write(OnnxGraphWriter.Build(single, version));
    }

    /// <summary>Saves the model as an ONNX file atomically: the target is either the old file or the complete new one.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="model">The model to export.</param>
    /// <exception cref="ArgumentException">The weights do not fit in one 2 GiB protobuf message.</exception>
    public static void Save(string path, ModelDescription model)
    {
        byte[] bytes = Export(model);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>A float model from the bytes of an ONNX file.</summary>
    /// <param name="onnx">The whole file.</param>
    /// <param name="loss">The loss, overriding the file's metadata; required for files without it (PyTorch's).</param>
    /// <exception cref="ModelFormatException">The bytes are not ONNX, or the graph is not an MLP this library can run; the message names the first node that is not.</exception>
    public static ModelDescription<float> Import(ReadOnlyMemory<byte> onnx, LossKind? loss = null)
    {
        var message = OnnxProtoReader.ReadModel(onnx);
        var (inputSize, layers, parameters) = OnnxGraphReader.Read(message);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in message.Metadata) metadata[key] = value;
        metadata.Remove(PyTorchSequential.LossKey, out string? recordedLoss);
        return new ModelDescription<float>(inputSize, layers, loss ?? ParseLoss(recordedLoss), parameters, metadata: metadata);
    }

    /// <summary>Loads a float model from an ONNX file.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="loss">The loss, overriding the file's metadata; required for files without it (PyTorch's).</param>
    /// <exception cref="ModelFormatException">The file is not ONNX, is larger than 2 GiB, or its graph is not an MLP this library can run.</exception>
    public static ModelDescription<float> Load(string path, LossKind? loss = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > MaxFileBytes)
            throw new ModelFormatException($"The file is {stream.Length} bytes; an ONNX protobuf is smaller than 2 GiB.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Import(bytes, loss);
    }

    private static LossKind ParseLoss(string? text)
    {
        if (text is null)
            throw new ModelFormatException($"The file has no '{PyTorchSequential.LossKey}' metadata (a PyTorch file?); pass the loss explicitly.");
        // Names only: Enum.TryParse alone would also accept numbers and comma lists.
        return text.Length > 0 && char.IsLetter(text[0]) && Enum.TryParse(text, ignoreCase: false, out LossKind loss) && Enum.IsDefined(loss)
            ? loss
            : throw new ModelFormatException($"Metadata '{PyTorchSequential.LossKey}' is '{text}', not a known loss.");
    }
}
