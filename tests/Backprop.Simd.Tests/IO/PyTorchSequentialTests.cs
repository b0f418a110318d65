using Backprop.Simd.IO;
using Backprop.Simd.Model;

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
}
