using System.Globalization;
using System.Runtime.InteropServices;
using Backprop.Simd.Model;

namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Builds the ONNX graph of a model: per layer one Gemm on [in, out] weights (our own layout, so transB = 0 and no
/// copy is transposed), then its activation as ONNX operators. GELU has no operator before opset 20, so it is written
/// as the same Erf / Tanh decomposition that PyTorch 1.13 writes, which <see cref="OnnxGraphReader"/> recognises.
/// </summary>
internal sealed class OnnxGraphWriter
{
    public const string InputName = "input", OutputName = "output";

    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly HashSet<string> _scalars = new(StringComparer.Ordinal);

    public static OnnxModelMessage Build(ModelDescription<float> model, string producerVersion)
    {
        var writer = new OnnxGraphWriter();
        var parameters = model.Parameters;
        string current = InputName;
        int offset = 0, fanIn = model.InputSize;
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            var dense = model.Layers[layer];
            int fanOut = dense.Units;
            string prefix = "layer" + layer.ToString(CultureInfo.InvariantCulture);
            string layerOutput = layer == model.Layers.Count - 1 ? OutputName : prefix + "/output";
            string weight = prefix + ".weight", bias = prefix + ".bias";
            writer._initializers.Add(FloatTensor(weight, [fanIn, fanOut], parameters.AsSpan(offset, fanIn * fanOut)));
            offset += fanIn * fanOut;
            writer._initializers.Add(FloatTensor(bias, [fanOut], parameters.AsSpan(offset, fanOut)));
            offset += fanOut;
            string linear = dense.Activation.Kind == ActivationKind.Identity ? layerOutput : prefix + "/linear";
            writer.Add(prefix + "/Gemm", "Gemm", [current, weight, bias], linear);
            writer.AddActivation(dense.Activation, prefix, linear, layerOutput);
            current = layerOutput;
            fanIn = fanOut;
        }
        var metadata = new List<KeyValuePair<string, string>>(model.Metadata)
        {
            new(PyTorchSequential.LossKey, model.Loss.ToString()),
        };
        var graph = new OnnxGraphMessage("backprop", writer._nodes, writer._initializers,
            [Batch(InputName, model.InputSize)], [Batch(OutputName, model.OutputSize)]);
        return new OnnxModelMessage(OnnxModel.IrVersion, [new OnnxOpset("", OnnxModel.OpsetVersion)], graph, metadata,
            "Backprop.Simd", producerVersion);
    }

    private void AddActivation(Activation activation, string prefix, string x, string y)
    {
        switch (activation.Kind)
        {
            case ActivationKind.Identity: break;
            case ActivationKind.Sigmoid: Add(prefix + "/Sigmoid", "Sigmoid", [x], y); break;
            case ActivationKind.Tanh: Add(prefix + "/Tanh", "Tanh", [x], y); break;
            case ActivationKind.Relu: Add(prefix + "/Relu", "Relu", [x], y); break;
            // ONNX's Softplus has no threshold; ours returns x above 20, where log(1 + e^x) differs from x by < 3e-9.
            case ActivationKind.Softplus: Add(prefix + "/Softplus", "Softplus", [x], y); break;
            case ActivationKind.LeakyRelu: Add(prefix + "/LeakyRelu", "LeakyRelu", [x], y, Alpha(activation)); break;
            case ActivationKind.Elu: Add(prefix + "/Elu", "Elu", [x], y, Alpha(activation)); break;
            case ActivationKind.Silu:
                Add(prefix + "/Sigmoid", "Sigmoid", [x], prefix + "/sigmoid");
                Add(prefix + "/Mul", "Mul", [x, prefix + "/sigmoid"], y);
                break;
            case ActivationKind.Gelu:
                // x · ½(1 + erf(x / √2)), node for node as torch.onnx.export writes nn.GELU().
                Add(prefix + "/Div", "Div", [x, Scalar("sqrt2", MathF.Sqrt(2))], prefix + "/scaled");
                Add(prefix + "/Erf", "Erf", [prefix + "/scaled"], prefix + "/erf");
                Add(prefix + "/Add", "Add", [prefix + "/erf", Scalar("one", 1)], prefix + "/one_plus");
                Add(prefix + "/Mul", "Mul", [x, prefix + "/one_plus"], prefix + "/product");
                Add(prefix + "/Mul_1", "Mul", [prefix + "/product", Scalar("half", 0.5f)], y);
                break;
            case ActivationKind.GeluTanh:
                // ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as torch.onnx.export writes nn.GELU(approximate='tanh').
                Add(prefix + "/Mul", "Mul", [x, x], prefix + "/square");
                Add(prefix + "/Mul_1", "Mul", [x, prefix + "/square"], prefix + "/cube");
                Add(prefix + "/Mul_2", "Mul", [Scalar("gelu_cubic", 0.044715f), prefix + "/cube"], prefix + "/cubic");
                Add(prefix + "/Add", "Add", [x, prefix + "/cubic"], prefix + "/inner");
                Add(prefix + "/Mul_3", "Mul", [Scalar("gelu_scale", (float)Math.Sqrt(2 / Math.PI)), prefix + "/inner"], prefix + "/scaled");
                Add(prefix + "/Tanh", "Tanh", [prefix + "/scaled"], prefix + "/tanh");
                Add(prefix + "/Add_1", "Add", [Scalar("one", 1), prefix + "/tanh"], prefix + "/one_plus");
                Add(prefix + "/Mul_4", "Mul", [x, prefix + "/one_plus"], prefix + "/product");
                Add(prefix + "/Mul_5", "Mul", [Scalar("half", 0.5f), prefix + "/product"], y);
                break;
            default:
                throw new ArgumentException($"Activation {activation.Kind} has no ONNX form.", nameof(activation));
        }
    }

    private static OnnxAttribute Alpha(Activation activation) =>
        new("alpha", OnnxAttribute.FloatType, Float: (float)activation.Parameter);

    private void Add(string name, string opType, string[] inputs, string output, params OnnxAttribute[] attributes) =>
        _nodes.Add(new OnnxNode(name, opType, "", inputs, [output], attributes));

    /// <summary>The name of a rank-0 initializer holding <paramref name="value"/>, added the first time it is used.</summary>
    private string Scalar(string name, float value)
    {
        string full = "const." + name;
        if (_scalars.Add(full)) _initializers.Add(FloatTensor(full, [], [value]));
        return full;
    }

    private static OnnxTensor FloatTensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var bytes = new byte[4 * values.Length];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return new OnnxTensor(name, dims, OnnxTensor.Float32, bytes, []);
    }

    private static OnnxValueInfo Batch(string name, int features) =>
        new(name, OnnxTensor.Float32, [new OnnxDimension(null, "batch"), new OnnxDimension(features, null)]);
}
