using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Issue 15: <c>train --activation relu,tanh</c> gives each hidden layer its own activation.</summary>
public sealed class CliActivationListTests
{
    [Fact]
    public void Train_gives_each_hidden_layer_its_listed_activation_and_the_output_none()
    {
        using var folder = new TempFolder();
        string model = folder.File("m.bpm");
        CliRun.Of("train", "--layers", "16,12,8", "--activation", "relu,tanh,elu:0.5", "--epochs", "1", "--quiet", "--save", model)
            .Expect(ExitCode.Success);

        Assert.Equal([new Dense(16, Activation.Relu), new Dense(12, Activation.Tanh), new Dense(8, Activation.Elu(0.5)), new Dense(10)],
            NativeModelFormat.Load<float>(model).Layers);
    }

    [Fact]
    public void One_activation_name_still_applies_to_every_hidden_layer()
    {
        using var folder = new TempFolder();
        string model = folder.File("m.bpm");
        CliRun.Of("train", "--layers", "12,8", "--activation", "tanh", "--epochs", "1", "--quiet", "--save", model)
            .Expect(ExitCode.Success);

        Assert.Equal([Activation.Tanh, Activation.Tanh, Activation.Identity], NativeModelFormat.Load<float>(model).Layers.Select(l => l.Activation));
    }

    [Theory]
    [InlineData("relu,tanh,relu", "--activation lists 3 activations but --layers has 2 hidden layers", "e.g. --activation relu,relu")]
    [InlineData("relu,", "'relu,'", "empty name")]
    [InlineData("relu,swish", "'swish' is not a valid value for --activation", "expected one of")]
    public void A_wrong_activation_list_is_a_one_line_usage_error(string list, string fragment, string hint)
    {
        using var folder = new TempFolder();
        string model = folder.File("m.bpm");
        CliRun.Of("train", "--layers", "12,8", "--activation", list, "--epochs", "1", "--save", model)
            .Expect(ExitCode.Usage).ExpectOneLineError(fragment, hint);
        Assert.False(File.Exists(model));
    }
}
