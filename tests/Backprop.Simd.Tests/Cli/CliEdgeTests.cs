using System.Diagnostics;
using System.Text;
using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Data;
using Backprop.Simd.Tests.IO;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Issue 14, item 10: the CLI's edges — pipes, endless inputs, foreign labels, long names, huge messages.</summary>
public class CliEdgeTests
{
    private static string SaveModel(TempFolder folder)
    {
        var network = new Network<float>(64, [new Dense(8, Activation.Tanh), new Dense(10)], seed: 5);
        string path = folder.File("m.bpm");
        ModelMapping.Save(path, network, LossKind.SoftmaxCrossEntropy);
        return path;
    }

    private static string Row() => string.Join(',', Enumerable.Repeat("0.5", 64)) + "\n";

    [Fact]
    public void Predict_reads_rows_from_a_pipe()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        string model = SaveModel(folder);
        string fifo = folder.File("rows");
        using (var make = Process.Start("mkfifo", fifo)) make.WaitForExit();
        var writer = new Thread(() => File.WriteAllText(fifo, Row() + Row() + Row()));
        writer.Start();
        CliRun run = CliRun.Of("predict", "--model", model, "--input", fifo).Expect(ExitCode.Success);
        writer.Join();
        Assert.Equal(4, run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void An_endless_input_without_line_breaks_fails_with_a_bound()
    {
        if (!File.Exists("/dev/zero")) return;
        using var folder = new TempFolder();
        CliRun.Of("predict", "--model", SaveModel(folder), "--input", "/dev/zero").Expect(ExitCode.Failure)
            .ExpectOneLineError("/dev/zero", "line 1 is longer than");
    }

    private static string Labelled(TempFolder folder, string name, string[] labels)
    {
        var text = new StringBuilder("a,b,label\n");
        for (int row = 0; row < 60; row++)
            text.Append(row % 3).Append(',').Append(row % 5).Append(',').Append(labels[row % 3]).Append('\n');
        return folder.WriteText(name, text.ToString());
    }

    [Fact]
    public void Eval_refuses_data_labelled_with_classes_the_model_was_not_trained_on()
    {
        using var folder = new TempFolder();
        string model = folder.File("abc.bpm");
        CliRun.Of("train", "--data", Labelled(folder, "abc.csv", ["a", "b", "c"]), "--epochs", "1", "--quiet", "--save", model)
            .Expect(ExitCode.Success);
        CliRun.Of("eval", "--model", model, "--data", Labelled(folder, "abc2.csv", ["a", "b", "c"])).Expect(ExitCode.Success);
        CliRun.Of("eval", "--model", model, "--data", Labelled(folder, "xyz.csv", ["x", "y", "z"])).Expect(ExitCode.Failure)
            .ExpectOneLineError("x, y, z", "not the model's");
    }

    [Fact]
    public void A_model_and_data_that_do_not_fit_are_a_failure_not_bad_usage()
    {
        using var folder = new TempFolder();
        CliRun.Of("eval", "--model", SaveModel(folder), "--data", Labelled(folder, "abc.csv", ["a", "b", "c"]))
            .Expect(ExitCode.Failure).ExpectOneLineError("takes 64 features");
    }

    [Fact]
    public void A_legal_file_name_of_255_characters_can_be_saved()
    {
        using var folder = new TempFolder();
        foreach (int length in new[] { 217, 218, 240, 255 })
        {
            string path = folder.File(new string('m', length - 4) + ".bpm");
            var model = ModelSamples.Create<float>(withOptimizer: false);
            NativeModelFormat.Save(path, model);
            NativeModelFormat.Save(path, model);
            Assert.Equal(ModelSamples.NativeBytes(model), File.ReadAllBytes(path));
        }
        Assert.Equal(4, Directory.GetFiles(folder.Path).Length);
    }

    [Fact]
    public void An_error_quoting_a_huge_cell_is_one_short_line()
    {
        using var folder = new TempFolder();
        string rows = folder.WriteText("bad.csv", Row() + new string('x', 100_000) + string.Concat(Enumerable.Repeat(",1", 63)) + "\n");
        CliRun run = CliRun.Of("predict", "--model", SaveModel(folder), "--input", rows).Expect(ExitCode.Failure)
            .ExpectOneLineError("line 2, column 1", "characters)");
        Assert.True(run.Error.Length < 1500, "the error line is " + run.Error.Length + " characters long");
    }
}
