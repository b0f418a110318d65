namespace Backprop.Simd.IO.Onnx;

// The subset of onnx.proto (IR version 8) that an MLP needs, as plain records: what OnnxProtoReader decodes and
// OnnxProtoWriter encodes. Fields the library never needs (doc strings, sparse tensors, subgraphs, training info) are
// skipped on read and never written.

/// <summary>ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8, metadata_props = 14.</summary>
internal sealed record OnnxModelMessage(long IrVersion, IReadOnlyList<OnnxOpset> Opsets, OnnxGraphMessage Graph,
    IReadOnlyList<KeyValuePair<string, string>> Metadata, string ProducerName = "", string ProducerVersion = "");

/// <summary>OperatorSetIdProto: domain = 1, version = 2.</summary>
internal readonly record struct OnnxOpset(string Domain, long Version);

/// <summary>GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.</summary>
internal sealed record OnnxGraphMessage(string Name, IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs, IReadOnlyList<OnnxValueInfo> Outputs);

/// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.</summary>
internal sealed record OnnxNode(string Name, string OpType, string Domain, IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs, IReadOnlyList<OnnxAttribute> Attributes);

/// <summary>
/// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, type = 20 (AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4,
/// others unused here).
/// </summary>
internal sealed record OnnxAttribute(string Name, int Type, float Float = 0, long Int = 0, string? Text = null, OnnxTensor? Tensor = null)
{
    public const int FloatType = 1, IntType = 2, StringType = 3, TensorType = 4;
}

/// <summary>
/// TensorProto: dims = 1, data_type = 2, float_data = 4 (packed), name = 8, raw_data = 9, data_location = 14
/// (1 = EXTERNAL). <see cref="RawData"/> is a slice of the file when read.
/// </summary>
internal sealed record OnnxTensor(string Name, IReadOnlyList<long> Dims, int DataType, ReadOnlyMemory<byte> RawData,
    IReadOnlyList<float> FloatData, bool IsExternal = false)
{
    /// <summary>TensorProto.DataType.FLOAT.</summary>
    public const int Float32 = 1;
}

/// <summary>
/// ValueInfoProto: name = 1, type = 2 → TypeProto.tensor_type = 1 → elem_type = 1, shape = 2 → TensorShapeProto.dim = 1
/// → dim_value = 1 or dim_param = 2. <see cref="Shape"/> is null when the type carries no shape.
/// </summary>
internal sealed record OnnxValueInfo(string Name, int ElementType, IReadOnlyList<OnnxDimension>? Shape);

/// <summary>One dimension: a fixed size, a symbolic name such as "batch", or neither (unknown).</summary>
internal readonly record struct OnnxDimension(long? Value, string? Parameter);
