using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Model;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// What import tolerates (Identity, Dropout, a leading Flatten, float_data, MatMul without Add) and what it refuses,
/// always with a <see cref="ModelFormatException"/> naming the first node that does not fit. The graphs are our own
/// exports, edited.
/// </summary>
public class OnnxGraphImportTests
{
    private static readonly ModelDescription<float> Model = ModelMapping.Describe(
        new Network<float>(6, [new Dense(5, Activation.Relu), new Dense(4, Activation.Tanh), new Dense(3)], seed: 9), LossKind.SoftmaxCrossEntropy);

    private static ModelDescription<float> ImportEdited(Func<OnnxGraphMessage, OnnxGraphMessage> edit)
    {
        var message = OnnxGraphWriter.Build(Model, "test");
        return OnnxModel.Import(OnnxProtoWriter.Write(message with { Graph = edit(message.Graph) }));
    }

    private static ModelFormatException Refused(Func<OnnxGraphMessage, OnnxGraphMessage> edit) =>
        Assert.Throws<ModelFormatException>(() => ImportEdited(edit));

    private static OnnxGraphMessage ReplaceNode(OnnxGraphMessage graph, string name, Func<OnnxNode, IEnumerable<OnnxNode>> replace) =>
        graph with { Nodes = [.. graph.Nodes.SelectMany(node => node.Name == name ? replace(node) : [node])] };

    private static OnnxNode Node(string name, string opType, string input, string output, params OnnxAttribute[] attributes) =>
        new(name, opType, "", [input], [output], attributes);

    [Fact]
    public void Identity_and_Dropout_nodes_and_a_leading_Flatten_are_passed_through()
    {
        var imported = ImportEdited(graph =>
        {
            graph = ReplaceNode(graph, "layer0/Gemm", gemm =>
                [Node("flatten", "Flatten", "input", "flat"), gemm with { Inputs = ["flat", .. gemm.Inputs.Skip(1)] }]);
            return ReplaceNode(graph, "layer0/Relu", relu =>
                [relu with { Outputs = ["relu"] }, Node("id", "Identity", "relu", "kept"), new OnnxNode("drop", "Dropout", "", ["kept"], ["layer0/output", "mask"], [])]);
        });
        Assert.Equal(Model.Layers, imported.Layers);
        Assert.Equal(Model.Parameters, imported.Parameters);
    }

    [Fact]
    public void A_weight_renamed_by_an_Identity_node_is_still_a_constant()
    {
        var imported = ImportEdited(graph => ReplaceNode(graph, "layer1/Gemm", gemm =>
            [Node("share", "Identity", "layer1.weight", "shared"), gemm with { Inputs = [gemm.Inputs[0], "shared", gemm.Inputs[2]] }]));
        Assert.Equal(Model.Parameters, imported.Parameters);
    }

    [Fact]
    public void A_file_without_an_IR_version_is_refused()
    {
        var message = OnnxGraphWriter.Build(Model, "test") with { IrVersion = 0 };
        var error = Assert.Throws<ModelFormatException>(() => OnnxModel.Import(OnnxProtoWriter.Write(message)));
        Assert.Contains("IR version 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_in_float_data_import_like_raw_data()
    {
        var imported = ImportEdited(graph => graph with
        {
            Initializers = [.. graph.Initializers.Select(t => t with { RawData = default, FloatData = OnnxGraphReader.ReadFloats(t, null) })],
        });
        Assert.Equal(Model.Parameters, imported.Parameters);
    }

    [Fact]
    public void A_Gemm_without_bias_followed_by_Add_of_a_vector_is_one_layer()
    {
        var imported = ImportEdited(graph => ReplaceNode(graph, "layer1/Gemm", gemm =>
            [gemm with { Inputs = [.. gemm.Inputs.Take(2)], Outputs = ["product"] }, new OnnxNode("bias", "Add", "", ["layer1.bias", "product"], gemm.Outputs, [])]));
        Assert.Equal(Model.Parameters, imported.Parameters);
    }

    [Fact]
    public void An_unknown_operator_is_refused_by_name_and_op_type()
    {
        var error = Refused(graph => ReplaceNode(graph, "layer1/Tanh", tanh => [tanh with { OpType = "Softmax" }]));
        Assert.Contains("'layer1/Tanh' (op type Softmax)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_activations_in_a_row_are_refused_naming_the_first()
    {
        var error = Refused(graph => ReplaceNode(graph, "layer0/Relu", relu =>
            [relu with { Outputs = ["relu"] }, Node("again", "Sigmoid", "relu", "layer0/output")]));
        Assert.Contains("'layer0/Relu' (op type Relu)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'again'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Flatten_inside_the_network_is_refused()
    {
        var error = Refused(graph => ReplaceNode(graph, "layer0/Relu", relu =>
            [relu with { Outputs = ["relu"] }, Node("flat", "Flatten", "relu", "layer0/output")]));
        Assert.Contains("'flat' (op type Flatten)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_attributes_other_than_transB_are_refused()
    {
        var error = Refused(graph => ReplaceNode(graph, "layer2/Gemm", gemm =>
            [gemm with { Attributes = [new OnnxAttribute("alpha", OnnxAttribute.FloatType, Float: 2)] }]));
        Assert.Contains("'layer2/Gemm' (op type Gemm)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_that_are_not_float32_are_refused()
    {
        var error = Refused(graph => graph with
        {
            Initializers = [.. graph.Initializers.Select(t => t.Name == "layer0.weight" ? t with { DataType = 11 } : t)],
        });
        Assert.Contains("DOUBLE (11)", error.Message, StringComparison.Ordinal);
        Assert.Contains("only float32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_and_short_raw_data_are_refused()
    {
        Assert.Contains("external", Refused(graph => graph with
        {
            Initializers = [.. graph.Initializers.Select(t => t with { IsExternal = true })],
        }).Message, StringComparison.Ordinal);
        Assert.Contains("raw_data", Refused(graph => graph with
        {
            Initializers = [.. graph.Initializers.Select(t => t with { RawData = t.RawData[..^4] })],
        }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_with_two_outputs_or_a_three_dimensional_input_is_refused()
    {
        Refused(graph => graph with { Outputs = [.. graph.Outputs, graph.Outputs[0] with { Name = "layer0/output" }] });
        var error = Refused(graph => graph with
        {
            Inputs = [graph.Inputs[0] with { Shape = [new OnnxDimension(null, "batch"), new OnnxDimension(2, null), new OnnxDimension(3, null)] }],
        });
        Assert.Contains("rank 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_read_before_it_is_defined_is_refused()
    {
        var error = Refused(graph => graph with { Nodes = [.. graph.Nodes.Reverse()] });
        Assert.Contains("produced by no earlier node", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gelu_operator_is_accepted_from_opset_20_only()
    {
        var gelu = ModelMapping.Describe(new Network<float>(3, [new Dense(2, Activation.GeluTanh), new Dense(2)], seed: 4), LossKind.MeanSquaredError);
        var message = OnnxGraphWriter.Build(gelu, "test");
        // Replace the decomposition by one Gelu(approximate = "tanh") node.
        var nodes = message.Graph.Nodes.Where(n => !n.Name.StartsWith("layer0/", StringComparison.Ordinal) || n.OpType == "Gemm").ToList();
        nodes.Insert(1, new OnnxNode("gelu", "Gelu", "", ["layer0/linear"], ["layer0/output"], [new OnnxAttribute("approximate", OnnxAttribute.StringType, Text: "tanh")]));
        var edited = message with { Graph = message.Graph with { Nodes = nodes } };

        var error = Assert.Throws<ModelFormatException>(() => OnnxModel.Import(OnnxProtoWriter.Write(edited)));
        Assert.Contains("'gelu' (op type Gelu)", error.Message, StringComparison.Ordinal);
        var imported = OnnxModel.Import(OnnxProtoWriter.Write(edited with { Opsets = [new OnnxOpset("", 20)] }));
        Assert.Equal(gelu.Layers, imported.Layers);
    }
}
