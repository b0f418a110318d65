using System.Text.Json;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Kernels;

namespace Backprop.Simd.Tests.IO;

public sealed class PyTorchSequentialTests
{
    [Fact]
    public void Export_names_layers_at_even_indices_with_weights_transposed_to_out_by_in()
    {
        var model = ModelSamples.Create<float>(withOptimizer: false);
        var file = PyTorchSequential.Export(model);

        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"], file.Tensors.Select(t => t.Name));
        Assert.True(file.TryGetTensor("2.weight", out var weight));
        Assert.Equal([4, 5], weight.Shape);
        // Layer 1 starts after layer 0's W [6, 5] and b [5]; our W1 is [5, 4] row-major, PyTorch's is [4, 5].
        int start = 6 * 5 + 5;
        for (int i = 0; i < 5; i++)
        {
            for (int o = 0; o < 4; o++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(model.Parameters[start + i * 4 + o]) == BitConverter.SingleToInt32Bits(weight.Values[o * 5 + i]),
                    $"W1[{i}, {o}] should be weight[{o}, {i}].");
            }
        }
        Assert.True(file.TryGetTensor("2.bias", out var bias));
        Assert.Equal(model.Parameters.AsSpan(start + 20, 4).ToArray(), bias.Values);
        Assert.Equal("6", file.Metadata[PyTorchSequential.InputSizeKey]);
        Assert.Equal("LeakyRelu:0.02,Tanh,Identity", file.Metadata[PyTorchSequential.ActivationsKey]);
        Assert.Equal("SoftmaxCrossEntropy", file.Metadata[PyTorchSequential.LossKey]);
    }

    [Fact]
    public void Export_then_import_through_bytes_restores_the_model()
    {
        var model = ModelSamples.Create<float>(withOptimizer: true);
        var imported = PyTorchSequential.Import(ModelSamples.ReadSafeTensors(ModelSamples.SafeTensorsBytes(PyTorchSequential.Export(model))));

        Assert.Equal(model.InputSize, imported.InputSize);
        Assert.Equal(model.Layers, imported.Layers);
        Assert.Equal(model.Loss, imported.Loss);
        ModelSamples.AssertBitEqual("parameters", model.Parameters, imported.Parameters);
        Assert.Equal(model.Metadata.OrderBy(p => p.Key), imported.Metadata.OrderBy(p => p.Key));
        Assert.False(imported.HasOptimizerState);
    }

    [Fact]
    public void Double_model_exports_parameters_rounded_to_float()
    {
        var model = ModelSamples.Create<double>(withOptimizer: false);
        var imported = PyTorchSequential.Import(PyTorchSequential.Export(model));
        for (int i = 0; i < model.ParameterCount; i++)
            Assert.True(((float)model.Parameters[i]).Equals(imported.Parameters[i]), $"Parameter {i}: {model.Parameters[i]} vs {imported.Parameters[i]}.");
    }

    [Fact]
    public void Plain_pytorch_file_needs_the_architecture_from_the_caller()
    {
        // nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)) as torch's save_file writes it: no metadata.
        const string json = """
            {"0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},
             "0.bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},
             "2.weight":{"dtype":"F32","shape":[1,3],"data_offsets":[36,48]},
             "2.bias":{"dtype":"F32","shape":[1],"data_offsets":[48,52]}}
            """;
        float[] values = [1, 2, 3, 4, 5, 6, /* b0 */ 7, 8, 9, /* W1 */ 10, 11, 12, /* b1 */ 13];
        byte[] data = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(data.AsSpan(4 * i), values[i]);
        var file = ModelSamples.ReadSafeTensors(SafeTensorsTests.HandBuiltFile(json, data));

        var missing = Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(file));
        Assert.Contains("pass the activations", missing.Message, StringComparison.Ordinal);

        var model = PyTorchSequential.Import(file, [Activation.Relu, Activation.Identity], LossKind.MeanSquaredError);
        Assert.Equal(2, model.InputSize);
        Assert.Equal([new Dense(3, Activation.Relu), new Dense(1, Activation.Identity)], model.Layers);
        // PyTorch W0 = [[1, 2], [3, 4], [5, 6]] is [out, in]; ours is its transpose [in, out] row-major.
        Assert.Equal([1f, 3, 5, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13], model.Parameters);
    }

    [Fact]
    public void Caller_activations_must_have_one_entry_per_layer()
    {
        var file = PyTorchSequential.Export(ModelSamples.Create<float>(withOptimizer: false));
        var error = Assert.Throws<ArgumentException>(() => PyTorchSequential.Import(file, [Activation.Relu]));
        Assert.Equal("activations", error.ParamName);
    }

    [Fact]
    public void Extra_missing_or_mismatched_tensors_are_rejected()
    {
        var tensors = PyTorchSequential.Export(ModelSamples.Create<float>(withOptimizer: false)).Tensors;
        var withExtra = new SafeTensorsFile([.. tensors, new SafeTensor("1.running_mean", [5], new float[5])]);
        Assert.Contains("'1.running_mean'", Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(withExtra)).Message, StringComparison.Ordinal);

        var withoutBias = new SafeTensorsFile([.. tensors.Where(t => t.Name != "2.bias")]);
        Assert.Contains("'2.bias' is missing", Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(withoutBias, [Activation.Relu, Activation.Relu, Activation.Relu], LossKind.MeanSquaredError)).Message, StringComparison.Ordinal);

        var broken = new SafeTensorsFile([.. tensors.Select(t => t.Name == "2.weight" ? new SafeTensor("2.weight", [4, 6], new float[24]) : t)]);
        Assert.Contains("expects 6 inputs but the previous layer has 5", Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(broken)).Message, StringComparison.Ordinal);

        Assert.Contains("no tensor '0.weight'", Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(new SafeTensorsFile([]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropout_gaps_and_a_module_prefix_import_and_predict_what_the_torch_forward_pass_computes()
    {
        // A module holding self.net = nn.Sequential(Linear(4, 5), ReLU, Dropout, Linear(5, 3), Tanh, Linear(3, 2)).
        (int Index, int Out, int In)[] linears = [(0, 5, 4), (3, 3, 5), (5, 2, 3)];
        Activation[] activations = [Activation.Relu, Activation.Tanh, Activation.Identity];
        SafeTensorsFile file = TorchStateDict("net.", linears, seed: 3);

        var model = PyTorchSequential.Import(file, activations, LossKind.MeanSquaredError);

        Assert.Equal(4, model.InputSize);
        Assert.Equal([new Dense(5, Activation.Relu), new Dense(3, Activation.Tanh), new Dense(2)], model.Layers);
        AssertPredictsTorchForward(model, file, "net.", linears, activations, seed: 4);
    }

    [Theory]
    [InlineData("")]
    [InlineData("net.")]
    [InlineData("model.layers.")]
    [InlineData("encoder.blocks.7.mlp.")]
    public void The_common_module_prefix_is_detected(string prefix)
    {
        (int Index, int Out, int In)[] linears = [(1, 6, 3), (2, 4, 6), (4, 1, 4)];
        SafeTensorsFile file = TorchStateDict(prefix, linears, seed: 5);

        var layout = PyTorchSequentialLayout.Find(file);

        Assert.Equal(prefix, layout.Prefix);
        Assert.Equal([1, 2, 4], layout.SequentialIndices);
        Assert.Equal(3, layout.LayerCount);
        Assert.Equal(3, layout.InputSize);
        Assert.True(layout.IsFollowedDirectly(0));
        Assert.False(layout.IsFollowedDirectly(1));
        Assert.Equal(prefix, PyTorchSequentialLayout.Find(file, prefix).Prefix);
        Activation[] activations = [Activation.Identity, Activation.Gelu, Activation.Identity];
        AssertPredictsTorchForward(PyTorchSequential.Import(file, activations, LossKind.MeanSquaredError, prefix), file, prefix,
            linears, activations, seed: 6);
    }

    [Fact]
    public void Linear_layers_are_taken_in_index_order_not_file_order()
    {
        (int Index, int Out, int In)[] linears = [(10, 2, 3), (2, 3, 7)];
        var layout = PyTorchSequentialLayout.Find(TorchStateDict("", linears, seed: 7));
        Assert.Equal([2, 10], layout.SequentialIndices);
        Assert.Equal(7, layout.InputSize);
    }

    [Fact]
    public void A_given_prefix_that_does_not_fit_names_the_first_tensor_outside_it()
    {
        SafeTensorsFile file = TorchStateDict("model.layers.", [(0, 3, 2), (2, 1, 3)], seed: 8);

        var outside = Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(file, prefix: "model."));
        Assert.Contains("'model.layers.0.weight' is not under the given prefix 'model.' (its prefix is 'model.layers.')", outside.Message, StringComparison.Ordinal);
        var none = Assert.Throws<ModelFormatException>(() => PyTorchSequentialLayout.Find(file, ""));
        Assert.Contains("'model.layers.0.weight'", none.Message, StringComparison.Ordinal);
        var noDot = Assert.Throws<ArgumentException>(() => PyTorchSequential.Import(file, prefix: "model.layers"));
        Assert.Equal("prefix", noDot.ParamName);
    }

    [Fact]
    public void Two_module_prefixes_are_refused_naming_the_first_tensor_of_the_second()
    {
        SafeTensor[] encoder = [.. TorchStateDict("encoder.", [(0, 3, 2)], seed: 9).Tensors];
        SafeTensor[] head = [.. TorchStateDict("head.", [(0, 1, 3)], seed: 10).Tensors];
        var file = ModelSamples.ReadSafeTensors(ModelSamples.SafeTensorsBytes(new SafeTensorsFile([.. encoder, .. head])));

        var error = Assert.Throws<ModelFormatException>(() => PyTorchSequentialLayout.Find(file));
        Assert.Contains("'head.0.weight' has the module prefix 'head.' but 'encoder.0.weight' has 'encoder.'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("net.0.running_mean")]
    [InlineData("net.01.weight")]
    [InlineData("net.x.weight")]
    [InlineData("net.0.weight_g")]
    [InlineData("net.1234567890.bias")]
    [InlineData(".weight")]
    public void A_tensor_that_is_no_Linear_weight_or_bias_is_named(string name)
    {
        SafeTensor[] tensors = [.. TorchStateDict("net.", [(0, 3, 2), (2, 1, 3)], seed: 11).Tensors, new SafeTensor(name, [3], new float[3])];
        var error = Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(new SafeTensorsFile(tensors)));
        Assert.Contains("'" + name + "'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bias_without_its_weight_is_refused()
    {
        SafeTensor[] tensors = [.. TorchStateDict("", [(0, 3, 2)], seed: 12).Tensors, new SafeTensor("2.bias", [1], new float[1])];
        Assert.Contains("'2.bias' has no '2.weight'", Assert.Throws<ModelFormatException>(() => PyTorchSequentialLayout.Find(new SafeTensorsFile(tensors))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adjacent_linear_layers_have_no_activation_between_them()
    {
        // nn.Sequential(Linear(2, 3), Linear(3, 2), ReLU, Linear(2, 1)): layer 0 has no module after it.
        (int Index, int Out, int In)[] linears = [(0, 3, 2), (1, 2, 3), (3, 1, 2)];
        SafeTensorsFile file = TorchStateDict("", linears, seed: 13);

        var error = Assert.Throws<ArgumentException>(() => PyTorchSequential.Import(file, [Activation.Relu, Activation.Relu, Activation.Identity], LossKind.MeanSquaredError));
        Assert.Equal("activations", error.ParamName);
        Assert.Contains("'0.weight' and '1.weight' are adjacent", error.Message, StringComparison.Ordinal);

        Activation[] activations = [Activation.Identity, Activation.Relu, Activation.Identity];
        AssertPredictsTorchForward(PyTorchSequential.Import(file, activations, LossKind.MeanSquaredError), file, "", linears, activations, seed: 14);
    }

    [Fact]
    public void A_file_without_metadata_is_told_how_many_activations_to_pass()
    {
        SafeTensorsFile file = TorchStateDict("net.", [(0, 5, 4), (3, 3, 5), (5, 2, 3)], seed: 15);
        var error = Assert.Throws<ModelFormatException>(() => PyTorchSequential.Import(file));
        Assert.Contains("pass the activations explicitly: one per Linear layer, 3 here, the output layer's last (e.g. Relu, Relu, Identity)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_export_is_found_at_even_indices_without_a_prefix()
    {
        var model = ModelSamples.Create<float>(withOptimizer: false);
        var layout = PyTorchSequentialLayout.Find(PyTorchSequential.Export(model));
        Assert.Equal("", layout.Prefix);
        Assert.Equal([0, 2, 4], layout.SequentialIndices);
        for (int layer = 0; layer < layout.LayerCount - 1; layer++) Assert.False(layout.IsFollowedDirectly(layer));
    }

    [Fact]
    public void A_state_dict_written_by_real_pytorch_predicts_the_outputs_pytorch_computed()
    {
        // Fixtures/make_torch_sequential.py: self.net = nn.Sequential(Linear(4, 5), ReLU, Dropout, Linear(5, 3), Tanh,
        // Linear(3, 2)) in eval mode, its state dict written as safetensors, its outputs on six fixed inputs.
        string folder = FixtureFolder();
        SafeTensorsFile file = SafeTensorsFile.Load(Path.Combine(folder, "torch_sequential.safetensors"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "torch_sequential.json")));

        Assert.Equal(expected.RootElement.GetProperty("names").EnumerateArray().Select(n => n.GetString()), file.Tensors.Select(t => t.Name));
        Assert.Empty(file.Metadata);
        var model = PyTorchSequential.Import(file, [Activation.Relu, Activation.Tanh, Activation.Identity], LossKind.MeanSquaredError);
        Assert.Equal([0, 3, 5], PyTorchSequentialLayout.Find(file).SequentialIndices);
        InferenceSession<float> session = FrozenModel<float>.From(model).CreateSession();
        float[][] inputs = Rows(expected.RootElement.GetProperty("inputs"));
        float[][] outputs = Rows(expected.RootElement.GetProperty("outputs"));
        Assert.Equal(6, inputs.Length);
        for (int row = 0; row < inputs.Length; row++)
            AssertClose(outputs[row], session.Predict(inputs[row]).ToArray(), 1e-5, "row " + row);
    }

    private static float[][] Rows(JsonElement rows) =>
        [.. rows.EnumerateArray().Select(row => row.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];

    /// <summary>tests/Backprop.Simd.Tests/IO/Fixtures in the source tree (the fixtures are not copied to the output).</summary>
    internal static string FixtureFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Backprop.Simd.sln")))
                return Path.Combine(folder.FullName, "tests", "Backprop.Simd.Tests", "IO", "Fixtures");
        }
        throw new DirectoryNotFoundException("The repository root is not above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// A state dict as PyTorch's safetensors writer leaves it: {prefix}{index}.weight [out, in] and .bias [out] in
    /// float32, no metadata, read back through the file format. Linear layers are listed in the given order.
    /// </summary>
    internal static SafeTensorsFile TorchStateDict(string prefix, (int Index, int Out, int In)[] linears, int seed)
    {
        var random = new Random(seed);
        var tensors = new List<SafeTensor>();
        foreach (var (index, fanOut, fanIn) in linears)
        {
            tensors.Add(new SafeTensor($"{prefix}{index}.weight", [fanOut, fanIn], ModelSamples.RandomValues<float>(random, fanOut * fanIn)));
            tensors.Add(new SafeTensor($"{prefix}{index}.bias", [fanOut], ModelSamples.RandomValues<float>(random, fanOut)));
        }
        return ModelSamples.ReadSafeTensors(ModelSamples.SafeTensorsBytes(new SafeTensorsFile(tensors)));
    }

    // The oracle: PyTorch's y = f(W·x + b) with W [out, in] read straight from the tensors, in double.
    private static void AssertPredictsTorchForward(ModelDescription<float> model, SafeTensorsFile file, string prefix,
        (int Index, int Out, int In)[] linears, Activation[] activations, int seed)
    {
        InferenceSession<float> session = FrozenModel<float>.From(model).CreateSession();
        var ordered = linears.OrderBy(l => l.Index).ToArray();
        var random = new Random(seed);
        for (int sample = 0; sample < 5; sample++)
        {
            float[] x = ModelSamples.RandomValues<float>(random, ordered[0].In);
            double[] y = Array.ConvertAll(x, v => (double)v);
            for (int layer = 0; layer < ordered.Length; layer++)
            {
                var (index, fanOut, fanIn) = ordered[layer];
                file.TryGetTensor($"{prefix}{index}.weight", out var weight);
                file.TryGetTensor($"{prefix}{index}.bias", out var bias);
                var next = new double[fanOut];
                for (int o = 0; o < fanOut; o++)
                {
                    double sum = bias!.Values[o];
                    for (int i = 0; i < fanIn; i++) sum += (double)weight!.Values[o * fanIn + i] * y[i];
                    next[o] = Reference.Value(activations[layer], sum);
                }
                y = next;
            }
            AssertClose(Array.ConvertAll(y, v => (float)v), session.Predict(x).ToArray(), 1e-5, "sample " + sample);
        }
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0;
        for (int i = 1; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > Math.Abs(expected[worst] - actual[worst])) worst = i;
        double error = Math.Abs(expected[worst] - actual[worst]) / Math.Max(1, Math.Abs(expected[worst]));
        Assert.True(error <= tolerance, $"{what}: output {worst} is {actual[worst]}, expected {expected[worst]} (relative error {error:G3} > {tolerance}).");
    }
}
