using System.Buffers.Binary;
using System.Globalization;
using Backprop.Simd.Model;

namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Turns a decoded ONNX graph into a model: the graph must be a chain input → (linear layer, activation)* → output,
/// as torch.onnx.export writes an <c>nn.Sequential</c> MLP and as <see cref="OnnxGraphWriter"/> writes ours. Nodes are
/// read in order into <see cref="OnnxValue"/>s; the first node whose operator or attributes have no place in such a
/// chain stops the import with its name and op type. Identity and Dropout pass their input through; a Flatten(axis 1)
/// straight on the 2-D input is a no-op.
/// </summary>
internal sealed class OnnxGraphReader
{
    private const string DefaultDomain = "", DefaultDomainAlias = "ai.onnx";

    private readonly Dictionary<string, OnnxValue> _values = new(StringComparer.Ordinal);
    private readonly long _opset;

    private OnnxGraphReader(long opset) => _opset = opset;

    public static (int InputSize, Dense[] Layers, float[] Parameters) Read(OnnxModelMessage model)
    {
        if (model.IrVersion < 3)
            throw new ModelFormatException($"The model has IR version {model.IrVersion}; opset imports, which name the operators' meaning, need IR 3 or later.");
        var reader = new OnnxGraphReader(DefaultOpset(model));
        var graph = model.Graph;
        foreach (var tensor in graph.Initializers) reader.Define(tensor.Name, new ConstantValue(tensor), "initializer");
        reader.DefineInput(graph);
        for (int i = 0; i < graph.Nodes.Count; i++) reader.Add(graph.Nodes[i], i);
        if (graph.Outputs.Count != 1)
            throw new ModelFormatException($"The graph has {graph.Outputs.Count} outputs; an MLP has exactly one.");
        string outputName = graph.Outputs[0].Name;
        if (!reader._values.TryGetValue(outputName, out var output))
            throw new ModelFormatException($"No node produces the graph output '{outputName}'.");
        return Peel(output);
    }

    private static long DefaultOpset(OnnxModelMessage model)
    {
        foreach (var opset in model.Opsets)
        {
            if (opset.Domain is DefaultDomain or DefaultDomainAlias)
            {
                if (opset.Version < 7)
                    throw new ModelFormatException($"The model imports ONNX opset {opset.Version}; at least 7 is needed (Gemm without broadcast flags).");
                return opset.Version;
            }
        }
        throw new ModelFormatException("The model imports no version of the standard ONNX operator set (opset_import with domain \"\").");
    }

    private void DefineInput(OnnxGraphMessage graph)
    {
        OnnxValueInfo? input = null;
        foreach (var candidate in graph.Inputs)
        {
            // Models of IR version 3 list their initializers among the inputs as well.
            if (_values.ContainsKey(candidate.Name)) continue;
            if (input is not null)
                throw new ModelFormatException($"The graph has inputs '{input.Name}' and '{candidate.Name}'; an MLP has exactly one.");
            input = candidate;
        }
        if (input is null) throw new ModelFormatException("The graph has no input that is not an initializer.");
        if (input.ElementType != OnnxTensor.Float32)
            throw new ModelFormatException($"The graph input '{input.Name}' has element type {DataTypeName(input.ElementType)}; only float32 is supported.");
        int? width = null;
        if (input.Shape is not null)
        {
            if (input.Shape.Count != 2)
                throw new ModelFormatException($"The graph input '{input.Name}' has rank {input.Shape.Count}; an MLP takes [batch, features].");
            if (input.Shape[1].Value is long features)
            {
                if (features is < 1 or > int.MaxValue)
                    throw new ModelFormatException($"The graph input '{input.Name}' has {features} features.");
                width = (int)features;
            }
        }
        Define(input.Name, new GraphInputValue(width), "graph input");
    }

    private void Add(OnnxNode node, int index)
    {
        if (node.Domain is not (DefaultDomain or DefaultDomainAlias))
            throw Unsupported(node, $"domain '{node.Domain}' is not the standard ONNX domain");
        if (node.Outputs.Count == 0) throw Unsupported(node, "it has no output");
        switch (node.OpType)
        {
            case "Constant":
                var value = Attribute(node, "value");
                if (value?.Tensor is null || node.Attributes.Count != 1) throw Unsupported(node, "only a Constant with a 'value' tensor is supported");
                Define(node.Outputs[0], new ConstantValue(value.Tensor), node);
                break;
            case "Identity":
                // Exporters also put Identity on initializers (a weight shared or renamed), so constants pass too.
                Define(node.Outputs[0], Argument(node, 0), node);
                break;
            case "Dropout":
                // Dropout is the identity in an inference graph; a training_mode input could turn it on.
                if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
                    throw Unsupported(node, "a Dropout with a training_mode input is not an inference graph");
                Define(node.Outputs[0], Chain(node, 0), node);
                break;
            case "Flatten":
                if (Chain(node, 0) is not GraphInputValue input || IntAttribute(node, "axis", 1) != 1)
                    throw Unsupported(node, "only Flatten(axis = 1) on the 2-D graph input, a no-op, is supported");
                Define(node.Outputs[0], input, node);
                break;
            case "Gemm":
                Define(node.Outputs[0], Gemm(node, index), node);
                break;
            case "MatMul":
                Define(node.Outputs[0], Linear(node, index, Chain(node, 0), Argument(node, 1), transposed: false, bias: null), node);
                break;
            case "Add" when TryBias(node, out var linear, out var bias):
                Define(node.Outputs[0], new LinearValue(node, linear.Index, linear.Input, linear.Weights, bias, linear.FanIn, linear.FanOut), node);
                break;
            case "Relu" or "Tanh" or "Sigmoid" or "Softplus" or "Erf":
                Define(node.Outputs[0], Elementwise(node, index, 1, alpha: 0, tanh: false), node);
                break;
            case "LeakyRelu":
                Define(node.Outputs[0], Elementwise(node, index, 1, FloatAttribute(node, "alpha", 0.01f), tanh: false), node);
                break;
            case "Elu":
                Define(node.Outputs[0], Elementwise(node, index, 1, FloatAttribute(node, "alpha", 1f), tanh: false), node);
                break;
            case "Gelu" when _opset >= 20:
                string approximate = Attribute(node, "approximate")?.Text ?? "none";
                if (approximate is not ("none" or "tanh")) throw Unsupported(node, $"approximate = '{approximate}' is neither 'none' nor 'tanh'");
                Define(node.Outputs[0], Elementwise(node, index, 1, alpha: 0, tanh: approximate == "tanh"), node);
                break;
            case "Add" or "Mul" or "Div":
                Define(node.Outputs[0], Elementwise(node, index, 2, alpha: 0, tanh: false), node);
                break;
            default:
                throw Unsupported(node, $"an MLP import knows no '{node.OpType}' operator at opset {_opset}");
        }
    }

    private LinearValue Gemm(OnnxNode node, int index)
    {
        if (FloatAttribute(node, "alpha", 1) != 1 || FloatAttribute(node, "beta", 1) != 1 || IntAttribute(node, "transA", 0) != 0)
            throw Unsupported(node, "only alpha = 1, beta = 1 and transA = 0 are supported");
        long transB = IntAttribute(node, "transB", 0);
        if (transB is not (0 or 1)) throw Unsupported(node, $"transB = {transB}");
        var linear = Linear(node, index, Chain(node, 0), Argument(node, 1), transB == 1, bias: null);
        if (node.Inputs.Count < 3 || node.Inputs[2].Length == 0) return linear;
        var tensor = ConstantTensor(node, 2);
        if (!IsVector(tensor, linear.FanOut))
            throw Unsupported(node, $"its bias '{tensor.Name}' has shape [{string.Join(", ", tensor.Dims)}], not [{linear.FanOut}] or [1, {linear.FanOut}]");
        return new LinearValue(node, index, linear.Input, linear.Weights, ReadFloats(tensor, node), linear.FanIn, linear.FanOut);
    }

    private LinearValue Linear(OnnxNode node, int index, OnnxValue x, OnnxValue weightValue, bool transposed, float[]? bias)
    {
        if (weightValue is not ConstantValue { Tensor: var tensor })
            throw Unsupported(node, $"its weight '{node.Inputs[1]}' is not an initializer or a Constant");
        if (tensor.Dims.Count != 2)
            throw Unsupported(node, $"its weight '{tensor.Name}' has rank {tensor.Dims.Count}, not 2");
        float[] values = ReadFloats(tensor, node);
        if (tensor.Dims[0] is < 1 or > int.MaxValue || tensor.Dims[1] is < 1 or > int.MaxValue)
            throw Unsupported(node, $"its weight '{tensor.Name}' has shape [{string.Join(", ", tensor.Dims)}]");
        int rows = (int)tensor.Dims[0], columns = (int)tensor.Dims[1];
        int fanIn = transposed ? columns : rows, fanOut = transposed ? rows : columns;
        if (x.Width is int width && width != fanIn)
            throw Unsupported(node, $"its weight '{tensor.Name}' takes {fanIn} inputs but its input has {width} features");
        var weights = values;
        if (transposed)
        {
            // PyTorch's [out, in] weight becomes our [in, out] block: element (o, i) moves to (i, o).
            weights = new float[values.Length];
            for (int o = 0; o < fanOut; o++)
            {
                for (int i = 0; i < fanIn; i++) weights[i * fanOut + o] = values[o * fanIn + i];
            }
        }
        return new LinearValue(node, index, x, weights, bias, fanIn, fanOut);
    }

    /// <summary>An Add of a constant [out] vector to a bias-free MatMul or Gemm: the layer's bias.</summary>
    private bool TryBias(OnnxNode node, out LinearValue linear, out float[] bias)
    {
        linear = null!;
        bias = null!;
        if (node.Inputs.Count != 2) return false;
        var a = Argument(node, 0);
        var b = Argument(node, 1);
        if (a is ConstantValue) (a, b) = (b, a);
        if (a is not LinearValue { Bias: null } layer || b is not ConstantValue { Tensor: var tensor } || !IsVector(tensor, layer.FanOut))
            return false;
        linear = layer;
        bias = ReadFloats(tensor, node);
        return true;
    }

    private ElementwiseValue Elementwise(OnnxNode node, int index, int arity, float alpha, bool tanh)
    {
        if (node.Inputs.Count != arity) throw Unsupported(node, $"it has {node.Inputs.Count} inputs, not {arity}");
        var arguments = new OnnxValue[arity];
        int? width = null;
        for (int i = 0; i < arity; i++)
        {
            var argument = Argument(node, i);
            if (argument is ConstantValue { Tensor: var tensor })
            {
                float[] values = ReadFloats(tensor, node);
                if (values.Length != 1) throw Unsupported(node, $"its operand '{tensor.Name}' is not a scalar");
                argument = new ScalarValue(values[0]);
            }
            else width ??= argument.Width;
            arguments[i] = argument;
        }
        if (arguments.All(a => a is ScalarValue)) throw Unsupported(node, "it computes on constants only");
        return new ElementwiseValue(node, index, arguments, alpha, tanh, width);
    }

    /// <summary>Walks back from the output: activation, linear layer, activation, ... until the graph input.</summary>
    private static (int InputSize, Dense[] Layers, float[] Parameters) Peel(OnnxValue output)
    {
        var layers = new List<(LinearValue Linear, Activation Activation)>();
        var value = output;
        while (value is not GraphInputValue)
        {
            if (!OnnxActivationPatterns.TryMatch(value, out var activation, out var linear))
                throw NoActivation(value);
            layers.Add((linear, activation));
            value = linear.Input;
        }
        if (layers.Count == 0) throw new ModelFormatException("The graph output is its input: there is no layer.");
        layers.Reverse();
        var dense = new Dense[layers.Count];
        for (int i = 0; i < dense.Length; i++) dense[i] = new Dense(layers[i].Linear.FanOut, layers[i].Activation);
        int inputSize = layers[0].Linear.FanIn;
        int count;
        try
        {
            count = ModelDescription.CountParameters(inputSize, dense);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"The architecture is invalid: {e.Message}", e);
        }
        var parameters = new float[count];
        int offset = 0;
        foreach (var (linear, _) in layers)
        {
            linear.Weights.CopyTo(parameters, offset);
            offset += linear.Weights.Length;
            linear.Bias?.CopyTo(parameters, offset);
            offset += linear.FanOut;
        }
        return (inputSize, dense, parameters);
    }

    /// <summary>Names the earliest node of the part of the chain no pattern explains.</summary>
    private static ModelFormatException NoActivation(OnnxValue top)
    {
        if (top is not ElementwiseValue node)
            return new ModelFormatException("The graph output is not computed by nodes on the graph input.");
        ElementwiseValue first = node;
        var pending = new Stack<OnnxValue>([node]);
        var seen = new HashSet<OnnxValue>();
        while (pending.Count > 0)
        {
            if (pending.Pop() is not ElementwiseValue current || !seen.Add(current)) continue;
            if (current.Index < first.Index) first = current;
            foreach (var argument in current.Arguments) pending.Push(argument);
        }
        return Unsupported(first.Node, $"the nodes from it to '{NameOf(node.Node)}' form no activation this library has "
            + "(supported: Relu, LeakyRelu, Elu, Sigmoid, Tanh, Softplus, Gelu and its erf/tanh decompositions, x·Sigmoid(x)), "
            + "or they do not follow a Gemm/MatMul");
    }

    private OnnxValue Argument(OnnxNode node, int position)
    {
        if (position >= node.Inputs.Count) throw Unsupported(node, $"it has {node.Inputs.Count} inputs, fewer than {position + 1}");
        string name = node.Inputs[position];
        return _values.TryGetValue(name, out var value) ? value
            : throw Unsupported(node, $"its input '{name}' is produced by no earlier node, initializer or graph input");
    }

    /// <summary>An argument that carries data through the network (not a constant).</summary>
    private OnnxValue Chain(OnnxNode node, int position)
    {
        var value = Argument(node, position);
        return value is ConstantValue or ScalarValue ? throw Unsupported(node, $"its data input '{node.Inputs[position]}' is a constant") : value;
    }

    private OnnxTensor ConstantTensor(OnnxNode node, int position) =>
        Argument(node, position) is ConstantValue { Tensor: var tensor } ? tensor
            : throw Unsupported(node, $"its input '{node.Inputs[position]}' is not an initializer or a Constant");

    private void Define(string name, OnnxValue value, OnnxNode node)
    {
        if (!_values.TryAdd(name, value)) throw Unsupported(node, $"it defines '{name}' a second time");
    }

    private void Define(string name, OnnxValue value, string what)
    {
        if (!_values.TryAdd(name, value)) throw new ModelFormatException($"The {what} '{name}' is defined twice.");
    }

    private static bool IsVector(OnnxTensor tensor, int length) =>
        (tensor.Dims.Count == 1 && tensor.Dims[0] == length) || (tensor.Dims.Count == 2 && tensor.Dims[0] == 1 && tensor.Dims[1] == length);

    /// <summary>The tensor's float32 elements, every size checked against the bytes the file holds before allocating.</summary>
    internal static float[] ReadFloats(OnnxTensor tensor, OnnxNode? user)
    {
        string what = $"Tensor '{tensor.Name}'" + (user is null ? "" : $" (used by node '{NameOf(user)}')");
        if (tensor.IsExternal) throw new ModelFormatException($"{what} keeps its data in an external file; only self-contained ONNX files are supported.");
        if (tensor.DataType != OnnxTensor.Float32)
            throw new ModelFormatException($"{what} has data type {DataTypeName(tensor.DataType)}; only float32 is supported.");
        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            if (dim < 0) throw new ModelFormatException($"{what} has a negative dimension {dim}.");
            // Bounded before multiplying, so the product never overflows.
            count = dim == 0 ? 0 : count > Array.MaxLength / dim ? long.MaxValue : count * dim;
        }
        if (!tensor.RawData.IsEmpty)
        {
            if (count > tensor.RawData.Length / 4 || tensor.RawData.Length != 4 * count)
                throw new ModelFormatException($"{what} has {tensor.RawData.Length} bytes of raw_data for shape [{string.Join(", ", tensor.Dims)}].");
            var raw = tensor.RawData.Span;
            var values = new float[count];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
            return values;
        }
        if (tensor.FloatData.Count != count)
            throw new ModelFormatException($"{what} has {tensor.FloatData.Count} float_data values for shape [{string.Join(", ", tensor.Dims)}].");
        return [.. tensor.FloatData];
    }

    private static OnnxAttribute? Attribute(OnnxNode node, string name)
    {
        foreach (var attribute in node.Attributes)
        {
            if (attribute.Name == name) return attribute;
        }
        return null;
    }

    private static float FloatAttribute(OnnxNode node, string name, float fallback) => Attribute(node, name) switch
    {
        null => fallback,
        { Type: OnnxAttribute.FloatType } attribute => attribute.Float,
        _ => throw Unsupported(node, $"its attribute '{name}' is not a float"),
    };

    private static long IntAttribute(OnnxNode node, string name, long fallback) => Attribute(node, name) switch
    {
        null => fallback,
        { Type: OnnxAttribute.IntType } attribute => attribute.Int,
        _ => throw Unsupported(node, $"its attribute '{name}' is not an int"),
    };

    private static string NameOf(OnnxNode node) => node.Name.Length > 0 ? node.Name : "(unnamed, output " + (node.Outputs.Count > 0 ? node.Outputs[0] : "none") + ")";

    private static ModelFormatException Unsupported(OnnxNode node, string reason) =>
        new($"Unsupported ONNX node '{NameOf(node)}' (op type {node.OpType}): {reason}.");

    private static string DataTypeName(int type) => type switch
    {
        0 => "UNDEFINED (0)",
        1 => "FLOAT (1)",
        2 => "UINT8 (2)",
        3 => "INT8 (3)",
        6 => "INT32 (6)",
        7 => "INT64 (7)",
        9 => "BOOL (9)",
        10 => "FLOAT16 (10)",
        11 => "DOUBLE (11)",
        16 => "BFLOAT16 (16)",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };
}
