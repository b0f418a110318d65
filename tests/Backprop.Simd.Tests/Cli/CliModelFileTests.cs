using System.Globalization;
using Backprop.Cli;
using Backprop.Simd.Data;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Data;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Cli;

/// <summary>info, export, import and predict on a model file made through the library.</summary>
public class CliModelFileTests
{
    private static Network<float> SmallDigitsNetwork()
    {
        var network = new Network<float>(64, [new Dense(16, Activation.Tanh), new Dense(10)], seed: 5);
        return network;
    }

    internal static string SaveModel(TempFolder folder, Network<float> network)
    {
        string path = folder.File("digits.bpm");
        var metadata = new Dictionary<string, string> { ["backprop.classes"] = "[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]" };
        ModelMapping.Save(path, network, LossKind.SoftmaxCrossEntropy, metadata);
        return path;
    }

    [Fact]
    public void Info_shows_layers_parameter_count_loss_and_metadata()
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder, SmallDigitsNetwork());
        CliRun run = CliRun.Of("info", "--model", model).Expect(ExitCode.Success);
        Assert.Contains("input        64 features", run.Output, StringComparison.Ordinal);
        Assert.Contains("16 units  tanh", run.Output, StringComparison.Ordinal);
        Assert.Contains("10 units  identity", run.Output, StringComparison.Ordinal);
        Assert.Contains("parameters   1,210", run.Output, StringComparison.Ordinal);
        Assert.Contains("loss         cross-entropy", run.Output, StringComparison.Ordinal);
        Assert.Contains("backprop.classes = ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_model_file_is_one_error_line_and_exit_code_1()
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder, SmallDigitsNetwork());
        byte[] bytes = File.ReadAllBytes(model);
        bytes[60] ^= 0x40;
        File.WriteAllBytes(model, bytes);
        CliRun.Of("info", "--model", model).Expect(ExitCode.Failure).ExpectOneLineError("Checksum mismatch");
        File.WriteAllText(model, "not a model");
        CliRun.Of("predict", "--model", model, "--input", model).Expect(ExitCode.Failure).ExpectOneLineError();
    }

    [Fact]
    public void Export_then_import_gives_back_the_same_parameters_and_architecture()
    {
        using var folder = new TempFolder();
        Network<float> network = SmallDigitsNetwork();
        string model = SaveModel(folder, network);
        string tensors = folder.File("digits.safetensors"), back = folder.File("back.bpm");
        CliRun.Of("export", "--model", model, "--format", "safetensors", "--output", tensors).Expect(ExitCode.Success);
        CliRun.Of("import", "--input", tensors, "--output", back).Expect(ExitCode.Success);

        ModelDescription<float> imported = NativeModelFormat.Load<float>(back);
        Assert.Equal(network.Parameters.ToArray(), imported.Parameters);
        Assert.Equal(ActivationKind.Tanh, imported.Layers[0].Activation.Kind);
        Assert.Equal(LossKind.SoftmaxCrossEntropy, imported.Loss);
    }

    [Fact]
    public void Import_of_a_plain_pytorch_file_takes_the_activation_and_loss_from_the_options()
    {
        using var folder = new TempFolder();
        Network<float> network = SmallDigitsNetwork();
        string tensors = folder.File("plain.safetensors"), back = folder.File("back.bpm");
        // A file as PyTorch writes it: the tensors and no metadata of ours.
        SafeTensorsFile exported = PyTorchSequential.Export(ModelMapping.Describe(network, LossKind.SoftmaxCrossEntropy));
        new SafeTensorsFile(exported.Tensors).Save(tensors);

        CliRun.Of("import", "--input", tensors, "--output", back).Expect(ExitCode.Failure).ExpectOneLineError();
        CliRun.Of("import", "--input", tensors, "--output", back, "--activation", "tanh", "--loss", "cross-entropy")
            .Expect(ExitCode.Success);
        ModelDescription<float> imported = NativeModelFormat.Load<float>(back);
        Assert.Equal(network.Parameters.ToArray(), imported.Parameters);
        Assert.Equal([ActivationKind.Tanh, ActivationKind.Identity], imported.Layers.Select(l => l.Activation.Kind));
    }

    [Theory]
    [InlineData("csv-with-labels")]
    [InlineData("csv-features-only")]
    [InlineData("idx")]
    [InlineData("idx-gz")]
    public void Predict_prints_the_class_and_probabilities_of_every_row(string format)
    {
        using var folder = new TempFolder();
        Network<float> network = SmallDigitsNetwork();
        string model = SaveModel(folder, network);
        const int rows = 25;
        string input = format switch
        {
            "csv-with-labels" => CliDataFiles.DigitsCsv(folder, "in.csv", 0, rows),
            "csv-features-only" => FeaturesOnly(folder, CliDataFiles.DigitsCsv(folder, "in.csv", 0, rows)),
            _ => folder.WriteBytes("in-idx3-ubyte", CliDataFiles.DigitImages(0, rows), gzip: format == "idx-gz"),
        };
        string output = folder.File("predictions.csv");
        CliRun.Of("predict", "--model", model, "--input", input, "--output", output).Expect(ExitCode.Success);

        string[] lines = File.ReadAllLines(output);
        Assert.Equal(rows + 1, lines.Length);
        Assert.Equal("row,class,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", lines[0]);
        float[,] features = InputsAsTrained(format, rows);
        var expected = new int[rows];
        new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(), 32).PredictClasses(features, expected);
        for (int row = 0; row < rows; row++)
        {
            string[] cells = lines[row + 1].Split(',');
            Assert.Equal(row.ToString(CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal(expected[row].ToString(CultureInfo.InvariantCulture), cells[1]);
            double sum = cells.Skip(2).Sum(cell => double.Parse(cell, CultureInfo.InvariantCulture));
            Assert.InRange(sum, 0.9999, 1.0001);
        }
    }

    [Fact]
    public void Predict_and_eval_on_two_threads_print_exactly_what_one_thread_prints()
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder, SmallDigitsNetwork());
        string input = CliDataFiles.DigitsCsv(folder, "in.csv", 0, 300); // more than one chunk of rows
        string one = folder.File("one.csv"), two = folder.File("two.csv");
        CliRun.Of("predict", "--model", model, "--input", input, "--output", one).Expect(ExitCode.Success);
        CliRun.Of("predict", "--model", model, "--input", input, "--output", two, "--threads", "2").Expect(ExitCode.Success);
        Assert.Equal(File.ReadAllText(one), File.ReadAllText(two));
        Assert.Equal(CliRun.Of("eval", "--model", model).Expect(ExitCode.Success).Output,
            CliRun.Of("eval", "--model", model, "--threads", "2").Expect(ExitCode.Success).Output);
        CliRun.Of("predict", "--model", model, "--input", input, "--threads", "100000").Expect(ExitCode.Usage)
            .ExpectOneLineError("--threads 100000");
    }

    [Fact]
    public void Predict_with_bfloat16_weights_agrees_with_float_to_bfloat16_precision()
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder, SmallDigitsNetwork());
        const int rows = 300; // more than one chunk of rows
        string input = CliDataFiles.DigitsCsv(folder, "in.csv", 0, rows);
        string exact = folder.File("float.csv"), half = folder.File("bf16.csv");
        CliRun.Of("predict", "--model", model, "--input", input, "--output", exact).Expect(ExitCode.Success);
        CliRun.Of("predict", "--model", model, "--input", input, "--output", half, "--weight-format", "bfloat16").Expect(ExitCode.Success);
        string[] exactLines = File.ReadAllLines(exact), halfLines = File.ReadAllLines(half);
        Assert.Equal(rows + 1, halfLines.Length);
        Assert.Equal(exactLines[0], halfLines[0]);
        int sameClass = 0;
        for (int row = 1; row <= rows; row++)
        {
            double[] p = [.. exactLines[row].Split(',').Skip(2).Select(c => double.Parse(c, CultureInfo.InvariantCulture))];
            double[] q = [.. halfLines[row].Split(',').Skip(2).Select(c => double.Parse(c, CultureInfo.InvariantCulture))];
            // bfloat16 keeps 8 significant bits: each probability moves by a few percent of the largest at most.
            for (int c = 0; c < p.Length; c++) Assert.InRange(Math.Abs(p[c] - q[c]), 0, 0.05);
            if (exactLines[row].Split(',')[1] == halfLines[row].Split(',')[1]) sameClass++;
        }
        Assert.InRange(sameClass, rows * 98 / 100, rows);
        CliRun.Of("predict", "--model", model, "--input", input, "--weight-format", "half").Expect(ExitCode.Usage)
            .ExpectOneLineError("half", "float", "bfloat16");
    }

    [Fact]
    public void Predict_rejects_rows_of_the_wrong_width()
    {
        using var folder = new TempFolder();
        string model = SaveModel(folder, SmallDigitsNetwork());
        string input = folder.WriteText("narrow.csv", "1,2,3\n4,5,6\n");
        CliRun.Of("predict", "--model", model, "--input", input).Expect(ExitCode.Failure)
            .ExpectOneLineError("narrow.csv", "3 columns", "64 features");
    }

    // The CSV holds pixel counts 0..16 as given; the IDX reader divides bytes (count × 15) by 255.
    private static float[,] InputsAsTrained(string format, int rows)
    {
        Dataset digits = Datasets.Digits();
        var features = new float[rows, 64];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> source = digits.Row(row);
            for (int i = 0; i < 64; i++)
                features[row, i] = format.StartsWith("csv", StringComparison.Ordinal)
                    ? source[i] * 16
                    : (float)Math.Round(source[i] * 16 * 15) / 255f;
        }
        return features;
    }

    private static string FeaturesOnly(TempFolder folder, string csv)
    {
        string[] lines = File.ReadAllLines(csv);
        var trimmed = lines.Skip(1).Select(line => line[..line.LastIndexOf(',')]);
        return folder.WriteText("features.csv", string.Join('\n', trimmed) + "\n");
    }
}
