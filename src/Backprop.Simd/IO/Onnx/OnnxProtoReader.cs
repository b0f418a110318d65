namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Decodes the ONNX messages in <see cref="OnnxModelMessage"/> from protobuf bytes, skipping every field outside that
/// subset. Each message type has its own method and none of them can reach itself (subgraph attributes and nested
/// TypeProtos are skipped, not read), so a file cannot drive the reader deeper than ModelProto → GraphProto →
/// NodeProto → AttributeProto → TensorProto.
/// </summary>
internal static class OnnxProtoReader
{
    public static OnnxModelMessage ReadModel(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtoReader(bytes, 0);
        long irVersion = 0;
        string producerName = "", producerVersion = "";
        OnnxGraphMessage? graph = null;
        var opsets = new List<OnnxOpset>();
        var metadata = new List<KeyValuePair<string, string>>();
        while (reader.TryReadTag("ModelProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.Varint, "ModelProto.ir_version"); irVersion = reader.ReadInt64("ModelProto.ir_version"); break;
                case 2: reader.Expect(wire, WireType.LengthDelimited, "ModelProto.producer_name"); producerName = reader.ReadString("ModelProto.producer_name"); break;
                case 3: reader.Expect(wire, WireType.LengthDelimited, "ModelProto.producer_version"); producerVersion = reader.ReadString("ModelProto.producer_version"); break;
                case 7: reader.Expect(wire, WireType.LengthDelimited, "ModelProto.graph"); graph = ReadGraph(reader.ReadMessage("ModelProto.graph")); break;
                case 8: reader.Expect(wire, WireType.LengthDelimited, "ModelProto.opset_import"); opsets.Add(ReadOpset(reader.ReadMessage("ModelProto.opset_import"))); break;
                case 14: reader.Expect(wire, WireType.LengthDelimited, "ModelProto.metadata_props"); metadata.Add(ReadEntry(reader.ReadMessage("ModelProto.metadata_props"))); break;
                default: reader.Skip(wire, "ModelProto field " + field); break;
            }
        }
        if (graph is null) throw new ModelFormatException("The file has no ModelProto.graph (field 7); it is not an ONNX model.");
        return new OnnxModelMessage(irVersion, opsets, graph, metadata, producerName, producerVersion);
    }

    private static OnnxOpset ReadOpset(ProtoReader reader)
    {
        string domain = "";
        long version = 0;
        while (reader.TryReadTag("OperatorSetIdProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "OperatorSetIdProto.domain"); domain = reader.ReadString("OperatorSetIdProto.domain"); break;
                case 2: reader.Expect(wire, WireType.Varint, "OperatorSetIdProto.version"); version = reader.ReadInt64("OperatorSetIdProto.version"); break;
                default: reader.Skip(wire, "OperatorSetIdProto field " + field); break;
            }
        }
        return new OnnxOpset(domain, version);
    }

    private static KeyValuePair<string, string> ReadEntry(ProtoReader reader)
    {
        string key = "", value = "";
        while (reader.TryReadTag("StringStringEntryProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "StringStringEntryProto.key"); key = reader.ReadString("StringStringEntryProto.key"); break;
                case 2: reader.Expect(wire, WireType.LengthDelimited, "StringStringEntryProto.value"); value = reader.ReadString("StringStringEntryProto.value"); break;
                default: reader.Skip(wire, "StringStringEntryProto field " + field); break;
            }
        }
        return new KeyValuePair<string, string>(key, value);
    }

    private static OnnxGraphMessage ReadGraph(ProtoReader reader)
    {
        string name = "";
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        while (reader.TryReadTag("GraphProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "GraphProto.node"); nodes.Add(ReadNode(reader.ReadMessage("GraphProto.node"))); break;
                case 2: reader.Expect(wire, WireType.LengthDelimited, "GraphProto.name"); name = reader.ReadString("GraphProto.name"); break;
                case 5: reader.Expect(wire, WireType.LengthDelimited, "GraphProto.initializer"); initializers.Add(ReadTensor(reader.ReadMessage("GraphProto.initializer"))); break;
                case 11: reader.Expect(wire, WireType.LengthDelimited, "GraphProto.input"); inputs.Add(ReadValueInfo(reader.ReadMessage("GraphProto.input"))); break;
                case 12: reader.Expect(wire, WireType.LengthDelimited, "GraphProto.output"); outputs.Add(ReadValueInfo(reader.ReadMessage("GraphProto.output"))); break;
                default: reader.Skip(wire, "GraphProto field " + field); break;
            }
        }
        return new OnnxGraphMessage(name, nodes, initializers, inputs, outputs);
    }

    private static OnnxNode ReadNode(ProtoReader reader)
    {
        string name = "", opType = "", domain = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttribute>();
        while (reader.TryReadTag("NodeProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "NodeProto.input"); inputs.Add(reader.ReadString("NodeProto.input")); break;
                case 2: reader.Expect(wire, WireType.LengthDelimited, "NodeProto.output"); outputs.Add(reader.ReadString("NodeProto.output")); break;
                case 3: reader.Expect(wire, WireType.LengthDelimited, "NodeProto.name"); name = reader.ReadString("NodeProto.name"); break;
                case 4: reader.Expect(wire, WireType.LengthDelimited, "NodeProto.op_type"); opType = reader.ReadString("NodeProto.op_type"); break;
                case 5: reader.Expect(wire, WireType.LengthDelimited, "NodeProto.attribute"); attributes.Add(ReadAttribute(reader.ReadMessage("NodeProto.attribute"))); break;
                case 7: reader.Expect(wire, WireType.LengthDelimited, "NodeProto.domain"); domain = reader.ReadString("NodeProto.domain"); break;
                default: reader.Skip(wire, "NodeProto field " + field); break;
            }
        }
        return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(ProtoReader reader)
    {
        string name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        string? text = null;
        OnnxTensor? tensor = null;
        while (reader.TryReadTag("AttributeProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "AttributeProto.name"); name = reader.ReadString("AttributeProto.name"); break;
                case 2: reader.Expect(wire, WireType.Fixed32, "AttributeProto.f"); f = reader.ReadFloat("AttributeProto.f"); break;
                case 3: reader.Expect(wire, WireType.Varint, "AttributeProto.i"); i = reader.ReadInt64("AttributeProto.i"); break;
                case 4: reader.Expect(wire, WireType.LengthDelimited, "AttributeProto.s"); text = reader.ReadString("AttributeProto.s"); break;
                case 5: reader.Expect(wire, WireType.LengthDelimited, "AttributeProto.t"); tensor = ReadTensor(reader.ReadMessage("AttributeProto.t")); break;
                case 20: reader.Expect(wire, WireType.Varint, "AttributeProto.type"); type = reader.ReadInt32("AttributeProto.type"); break;
                // Subgraphs (g = 6, graphs = 11) and lists are skipped unread: no node we accept has them.
                default: reader.Skip(wire, "AttributeProto field " + field); break;
            }
        }
        return new OnnxAttribute(name, type, f, i, text, tensor);
    }

    private static OnnxTensor ReadTensor(ProtoReader reader)
    {
        string name = "";
        int dataType = 0;
        bool external = false;
        ReadOnlyMemory<byte> raw = default;
        var dims = new List<long>();
        var floats = new List<float>();
        while (reader.TryReadTag("TensorProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.ReadRepeatedInt64(wire, dims, "TensorProto.dims"); break;
                case 2: reader.Expect(wire, WireType.Varint, "TensorProto.data_type"); dataType = reader.ReadInt32("TensorProto.data_type"); break;
                case 4: reader.ReadRepeatedFloat(wire, floats, "TensorProto.float_data"); break;
                case 8: reader.Expect(wire, WireType.LengthDelimited, "TensorProto.name"); name = reader.ReadString("TensorProto.name"); break;
                case 9: reader.Expect(wire, WireType.LengthDelimited, "TensorProto.raw_data"); raw = reader.ReadLengthDelimited("TensorProto.raw_data"); break;
                case 14: reader.Expect(wire, WireType.Varint, "TensorProto.data_location"); external = reader.ReadInt64("TensorProto.data_location") == 1; break;
                default: reader.Skip(wire, "TensorProto field " + field); break;
            }
        }
        return new OnnxTensor(name, dims, dataType, raw, floats, external);
    }

    private static OnnxValueInfo ReadValueInfo(ProtoReader reader)
    {
        string name = "";
        int elementType = 0;
        IReadOnlyList<OnnxDimension>? shape = null;
        while (reader.TryReadTag("ValueInfoProto", out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: reader.Expect(wire, WireType.LengthDelimited, "ValueInfoProto.name"); name = reader.ReadString("ValueInfoProto.name"); break;
                case 2: reader.Expect(wire, WireType.LengthDelimited, "ValueInfoProto.type"); (elementType, shape) = ReadType(reader.ReadMessage("ValueInfoProto.type")); break;
                default: reader.Skip(wire, "ValueInfoProto field " + field); break;
            }
        }
        return new OnnxValueInfo(name, elementType, shape);
    }

    // TypeProto → tensor_type (1); sequence and map types (4, 5) hold TypeProtos themselves and are skipped.
    private static (int ElementType, IReadOnlyList<OnnxDimension>? Shape) ReadType(ProtoReader reader)
    {
        int elementType = 0;
        IReadOnlyList<OnnxDimension>? shape = null;
        while (reader.TryReadTag("TypeProto", out int field, out WireType wire))
        {
            if (field != 1)
            {
                reader.Skip(wire, "TypeProto field " + field);
                continue;
            }
            reader.Expect(wire, WireType.LengthDelimited, "TypeProto.tensor_type");
            var tensorType = reader.ReadMessage("TypeProto.tensor_type");
            while (tensorType.TryReadTag("TypeProto.Tensor", out int inner, out WireType innerWire))
            {
                switch (inner)
                {
                    case 1: tensorType.Expect(innerWire, WireType.Varint, "TypeProto.Tensor.elem_type"); elementType = tensorType.ReadInt32("TypeProto.Tensor.elem_type"); break;
                    case 2: tensorType.Expect(innerWire, WireType.LengthDelimited, "TypeProto.Tensor.shape"); shape = ReadShape(tensorType.ReadMessage("TypeProto.Tensor.shape")); break;
                    default: tensorType.Skip(innerWire, "TypeProto.Tensor field " + inner); break;
                }
            }
        }
        return (elementType, shape);
    }

    private static List<OnnxDimension> ReadShape(ProtoReader reader)
    {
        var dims = new List<OnnxDimension>();
        while (reader.TryReadTag("TensorShapeProto", out int field, out WireType wire))
        {
            if (field != 1)
            {
                reader.Skip(wire, "TensorShapeProto field " + field);
                continue;
            }
            reader.Expect(wire, WireType.LengthDelimited, "TensorShapeProto.dim");
            var dim = reader.ReadMessage("TensorShapeProto.dim");
            long? value = null;
            string? parameter = null;
            while (dim.TryReadTag("TensorShapeProto.Dimension", out int inner, out WireType innerWire))
            {
                switch (inner)
                {
                    case 1: dim.Expect(innerWire, WireType.Varint, "Dimension.dim_value"); value = dim.ReadInt64("Dimension.dim_value"); break;
                    case 2: dim.Expect(innerWire, WireType.LengthDelimited, "Dimension.dim_param"); parameter = dim.ReadString("Dimension.dim_param"); break;
                    default: dim.Skip(innerWire, "Dimension field " + inner); break;
                }
            }
            dims.Add(new OnnxDimension(value, parameter));
        }
        return dims;
    }
}
