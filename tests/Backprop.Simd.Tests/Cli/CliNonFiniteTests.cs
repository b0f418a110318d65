using System.Globalization;
using System.Text;
using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Issue 14, item 3: predict, eval and import refuse NaN and infinity instead of printing NaN with exit 0.</summary>
public class CliNonFiniteTests
{
    private static string SaveModel(TempFolder folder, float? poison = null, Activation? hidden = null)
    {
        var network = new Network<float>(64, [new Dense(16, hidden ?? Activation.Tanh), new Dense(10)], seed: 5);
        if (poison is float value) network.Parameters[100] = value;
        string path = folder.File("m.bpm");
        ModelMapping.Save(path, network, LossKind.SoftmaxCrossEntropy);
        return path;
    }

    private static string Row(string value) => string.Join(',', Enumerable.Repeat("0.5", 63)) + "," + value + "\n";

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public void Predict_refuses_a_non_finite_feature(string value)
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder);
        string rows = folder.WriteText("rows.csv", Row("0.25") + Row(value));
        CliRun.Of("predict", "--model", model, "--input", rows).Expect(ExitCode.Failure)
            .ExpectOneLineError("line 2, column 64", "is not a finite number");
    }

    [Fact]
    public void Predict_and_eval_refuse_a_model_with_a_NaN_weight()
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder, float.NaN);
        string rows = folder.WriteText("rows.csv", Row("0.25"));
        CliRun.Of("predict", "--model", model, "--input", rows).Expect(ExitCode.Failure)
            .ExpectOneLineError("parameter 100 (layer 1)", "non-finite");
        CliRun.Of("eval", "--model", model).Expect(ExitCode.Failure).ExpectOneLineError("non-finite");
    }

    [Fact]
    public void Import_refuses_a_safetensors_file_with_an_infinite_weight()
    {
        using var folder = new TempFolder();
        var network = new Network<float>(64, [new Dense(16, Activation.Tanh), new Dense(10)], seed: 5);
        network.Parameters[3] = float.PositiveInfinity;
        string exported = folder.File("m.safetensors");
        PyTorchSequential.Export(ModelMapping.Describe(network, LossKind.SoftmaxCrossEntropy)).Save(exported);
        CliRun.Of("import", "--input", exported, "--output", folder.File("m.bpm")).Expect(ExitCode.Failure)
            .ExpectOneLineError("non-finite");
        Assert.False(File.Exists(folder.File("m.bpm")));
    }

    [Fact]
    public void Eval_fails_when_the_loss_is_NaN()
    {
        // Finite features and weights whose products overflow: the loss is NaN, and no accuracy is reported with exit 0.
        using var folder = new TempFolder();
        string model = SaveModel(folder, hidden: Activation.Identity);
        var text = new StringBuilder();
        for (int c = 0; c < 64; c++) text.Append('p').Append(c).Append(',');
        text.Append("digit\n");
        for (int row = 0; row < 50; row++)
        {
            for (int c = 0; c < 64; c++) text.Append(((c + row) % 2 == 0 ? 3e38f : -3e38f).ToString(CultureInfo.InvariantCulture)).Append(',');
            text.Append(row % 10).Append('\n');
        }
        string data = folder.WriteText("huge.csv", text.ToString());
        CliRun.Of("eval", "--model", model, "--data", data).Expect(ExitCode.Failure).ExpectOneLineError("the loss", "NaN");
    }
}
