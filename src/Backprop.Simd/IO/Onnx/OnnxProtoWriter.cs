namespace Backprop.Simd.IO.Onnx;

/// <summary>Encodes <see cref="OnnxModelMessage"/> as protobuf with the field numbers of onnx.proto.</summary>
internal static class OnnxProtoWriter
{
    public static byte[] Write(OnnxModelMessage model)
    {
        var writer = new ProtoWriter();
        writer.WriteInt64(1, model.IrVersion);
        if (model.ProducerName.Length > 0) writer.WriteString(2, model.ProducerName);
        if (model.ProducerVersion.Length > 0) writer.WriteString(3, model.ProducerVersion);
        writer.WriteMessage(7, Graph(model.Graph));
        foreach (var opset in model.Opsets)
        {
            var entry = new ProtoWriter();
            if (opset.Domain.Length > 0) entry.WriteString(1, opset.Domain);
            entry.WriteInt64(2, opset.Version);
            writer.WriteMessage(8, entry);
        }
        foreach (var (key, value) in model.Metadata)
        {
            var entry = new ProtoWriter();
            entry.WriteString(1, key);
            entry.WriteString(2, value);
            writer.WriteMessage(14, entry);
        }
        return writer.Written.ToArray();
    }

    private static ProtoWriter Graph(OnnxGraphMessage graph)
    {
        var writer = new ProtoWriter();
        foreach (var node in graph.Nodes) writer.WriteMessage(1, Node(node));
        writer.WriteString(2, graph.Name);
        foreach (var tensor in graph.Initializers) writer.WriteMessage(5, Tensor(tensor));
        foreach (var input in graph.Inputs) writer.WriteMessage(11, ValueInfo(input));
        foreach (var output in graph.Outputs) writer.WriteMessage(12, ValueInfo(output));
        return writer;
    }

    private static ProtoWriter Node(OnnxNode node)
    {
        var writer = new ProtoWriter();
        foreach (string input in node.Inputs) writer.WriteString(1, input);
        foreach (string output in node.Outputs) writer.WriteString(2, output);
        writer.WriteString(3, node.Name);
        writer.WriteString(4, node.OpType);
        foreach (var attribute in node.Attributes) writer.WriteMessage(5, Attribute(attribute));
        if (node.Domain.Length > 0) writer.WriteString(7, node.Domain);
        return writer;
    }

    private static ProtoWriter Attribute(OnnxAttribute attribute)
    {
        var writer = new ProtoWriter();
        writer.WriteString(1, attribute.Name);
        switch (attribute.Type)
        {
            case OnnxAttribute.FloatType: writer.WriteFloat(2, attribute.Float); break;
            case OnnxAttribute.IntType: writer.WriteInt64(3, attribute.Int); break;
            case OnnxAttribute.StringType: writer.WriteString(4, attribute.Text ?? ""); break;
            case OnnxAttribute.TensorType when attribute.Tensor is not null: writer.WriteMessage(5, Tensor(attribute.Tensor)); break;
            default: break;
        }
        writer.WriteInt64(20, attribute.Type);
        return writer;
    }

    private static ProtoWriter Tensor(OnnxTensor tensor)
    {
        var writer = new ProtoWriter();
        foreach (long dim in tensor.Dims) writer.WriteInt64(1, dim);
        writer.WriteInt64(2, tensor.DataType);
        if (tensor.FloatData.Count > 0)
        {
            writer.WritePackedFloats(4, [.. tensor.FloatData]);
        }
        writer.WriteString(8, tensor.Name);
        if (!tensor.RawData.IsEmpty) writer.WriteBytes(9, tensor.RawData.Span);
        if (tensor.IsExternal) writer.WriteInt64(14, 1);
        return writer;
    }

    private static ProtoWriter ValueInfo(OnnxValueInfo value)
    {
        var shape = new ProtoWriter();
        foreach (var dim in value.Shape ?? [])
        {
            var entry = new ProtoWriter();
            if (dim.Value is long size) entry.WriteInt64(1, size);
            if (dim.Parameter is string name) entry.WriteString(2, name);
            shape.WriteMessage(1, entry);
        }
        var tensorType = new ProtoWriter();
        tensorType.WriteInt64(1, value.ElementType);
        if (value.Shape is not null) tensorType.WriteMessage(2, shape);
        var type = new ProtoWriter();
        type.WriteMessage(1, tensorType);
        var writer = new ProtoWriter();
        writer.WriteString(1, value.Name);
        writer.WriteMessage(2, type);
        return writer;
    }
}
