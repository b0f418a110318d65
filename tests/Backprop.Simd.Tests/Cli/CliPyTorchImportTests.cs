using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Data;
using Backprop.Simd.Tests.IO;

namespace Backprop.Simd.Tests.Cli;

/// <summary>
/// Issue 15: <c>import</c> of state dicts as PyTorch writes them — Dropout gaps, a module prefix, one activation per
/// hidden layer — and the one-line errors that say what to pass.
/// </summary>
public sealed class CliPyTorchImportTests
{
    // self.net = nn.Sequential(Linear(4, 5), ReLU, Dropout, Linear(5, 3), Tanh, Linear(3, 2)), saved without metadata.
    private static readonly (int Index, int Out, int In)[] DropoutNet = [(0, 5, 4), (3, 3, 5), (5, 2, 3)];

    [Fact]
    public void Import_takes_one_activation_per_hidden_layer_and_detects_the_prefix()
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "net.", DropoutNet), back = folder.File("m.bpm");

        CliRun.Of("import", "--input", tensors, "--output", back, "--activation", "relu,tanh", "--loss", "mse")
            .Expect(ExitCode.Success);

        ModelDescription<float> imported = NativeModelFormat.Load<float>(back);
        Assert.Equal([new Dense(5, Activation.Relu), new Dense(3, Activation.Tanh), new Dense(2)], imported.Layers);
        Assert.Equal(LossKind.MeanSquaredError, imported.Loss);
        var expected = PyTorchSequential.Import(SafeTensorsFile.Load(tensors), [Activation.Relu, Activation.Tanh, Activation.Identity],
            LossKind.MeanSquaredError);
        Assert.Equal(expected.Parameters, imported.Parameters);
    }

    [Fact]
    public void One_activation_name_applies_to_every_hidden_layer_with_its_parameter()
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "net.", DropoutNet), back = folder.File("m.bpm");

        CliRun.Of("import", "--input", tensors, "--output", back, "--activation", "leaky-relu:0.2", "--loss", "mse", "--prefix", "net.")
            .Expect(ExitCode.Success);

        Assert.Equal([Activation.LeakyRelu(0.2), Activation.LeakyRelu(0.2), Activation.Identity],
            NativeModelFormat.Load<float>(back).Layers.Select(l => l.Activation));
    }

    [Fact]
    public void The_state_dict_real_pytorch_wrote_imports_with_the_given_activations()
    {
        using var folder = new TempFolder();
        string tensors = Path.Combine(PyTorchSequentialTests.FixtureFolder(), "torch_sequential.safetensors"), back = folder.File("m.bpm");
        CliRun run = CliRun.Of("import", "--input", tensors, "--output", back, "--activation", "relu,tanh", "--loss", "mse")
            .Expect(ExitCode.Success);
        Assert.Contains("3 layers", run.Output, StringComparison.Ordinal);
        ModelDescription<float> imported = NativeModelFormat.Load<float>(back);
        Assert.Equal(4, imported.InputSize);
        Assert.Equal([new Dense(5, Activation.Relu), new Dense(3, Activation.Tanh), new Dense(2)], imported.Layers);
    }

    [Fact]
    public void A_plain_file_without_options_is_told_the_hidden_layer_count_and_an_example()
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "net.", DropoutNet), back = folder.File("m.bpm");

        CliRun.Of("import", "--input", tensors, "--output", back).Expect(ExitCode.Failure)
            .ExpectOneLineError("no backprop metadata", "2 hidden layers", "--activation relu,relu", "--loss");
        CliRun.Of("import", "--input", tensors, "--output", back, "--activation", "relu").Expect(ExitCode.Failure)
            .ExpectOneLineError("2 hidden layers", "--loss, e.g. --loss cross-entropy");
        Assert.False(File.Exists(back));
    }

    [Fact]
    public void A_file_with_a_single_linear_layer_needs_no_activation()
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "", [(1, 2, 3)]), back = folder.File("m.bpm");
        CliRun.Of("import", "--input", tensors, "--output", back, "--loss", "bce").Expect(ExitCode.Success);
        Assert.Equal([new Dense(2)], NativeModelFormat.Load<float>(back).Layers);
    }

    [Theory]
    [InlineData("relu,tanh,relu", "--activation lists 3 activations but the file has 2 hidden layers", "e.g. --activation relu,relu")]
    [InlineData("relu,,tanh", "'relu,,tanh'", "empty name")]
    [InlineData("relu,swish", "'swish' is not a valid value for --activation", "leaky-relu")]
    [InlineData("relu,tanh:2", "'tanh:2'", "only leaky-relu and elu take a numeric parameter")]
    public void A_wrong_activation_list_is_a_one_line_usage_error(string list, string fragment, string hint)
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "net.", DropoutNet);
        CliRun.Of("import", "--input", tensors, "--output", folder.File("m.bpm"), "--activation", list, "--loss", "mse")
            .Expect(ExitCode.Usage).ExpectOneLineError(fragment, hint);
    }

    [Fact]
    public void An_activation_where_two_linear_layers_touch_is_a_one_line_usage_error()
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "", [(0, 3, 2), (1, 2, 3), (3, 1, 2)]);
        CliRun.Of("import", "--input", tensors, "--output", folder.File("m.bpm"), "--activation", "relu", "--loss", "mse")
            .Expect(ExitCode.Usage).ExpectOneLineError("'0.weight' and '1.weight' are adjacent", "give Identity");
        CliRun.Of("import", "--input", tensors, "--output", folder.File("m.bpm"), "--activation", "identity,relu", "--loss", "mse")
            .Expect(ExitCode.Success);
    }

    [Fact]
    public void A_prefix_that_does_not_fit_names_the_first_tensor_outside_it()
    {
        using var folder = new TempFolder();
        string tensors = SaveStateDict(folder, "model.layers.", DropoutNet), back = folder.File("m.bpm");
        string[] common = ["import", "--input", tensors, "--output", back, "--activation", "relu", "--loss", "mse"];

        CliRun.Of([.. common, "--prefix", "model."]).Expect(ExitCode.Failure)
            .ExpectOneLineError("'model.layers.0.weight' is not under the given prefix 'model.'");
        CliRun.Of([.. common, "--prefix", "model.layers"]).Expect(ExitCode.Usage).ExpectOneLineError("--prefix 'model.layers' must end in '.'");
        CliRun.Of([.. common, "--prefix", "model.layers."]).Expect(ExitCode.Success);
    }

    [Fact]
    public void Two_modules_in_one_file_are_refused_in_one_line()
    {
        using var folder = new TempFolder();
        SafeTensor[] encoder = [.. PyTorchSequentialTests.TorchStateDict("encoder.", [(0, 3, 2)], seed: 1).Tensors];
        SafeTensor[] head = [.. PyTorchSequentialTests.TorchStateDict("head.", [(0, 1, 3)], seed: 2).Tensors];
        string tensors = folder.File("two.safetensors");
        new SafeTensorsFile([.. encoder, .. head]).Save(tensors);
        CliRun.Of("import", "--input", tensors, "--output", folder.File("m.bpm"), "--loss", "mse").Expect(ExitCode.Failure)
            .ExpectOneLineError("'head.0.weight' has the module prefix 'head.'");
    }

    private static string SaveStateDict(TempFolder folder, string prefix, (int Index, int Out, int In)[] linears)
    {
        string path = folder.File("state.safetensors");
        PyTorchSequentialTests.TorchStateDict(prefix, linears, seed: 21).Save(path);
        return path;
    }
}
