using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.Tests.Data;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Cli;

public class CliTrainTests(ITestOutputHelper log)
{
    [Fact]
    public void Train_with_no_arguments_reaches_96_percent_validation_accuracy_on_digits()
    {
        CliRun run = CliRun.Of("train").Expect(ExitCode.Success);
        log.WriteLine(run.Output);
        double accuracy = FinalAccuracy(run.Output, "validation");
        Assert.True(accuracy >= 0.96, "validation accuracy " + accuracy + " < 0.96\n" + run.Output);
        Assert.Equal(10, run.Output.Split('\n').Count(line => line.StartsWith("epoch ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Train_prints_one_plain_line_per_epoch_when_the_output_is_redirected()
    {
        CliRun run = CliRun.Of("train", "--epochs", "2", "--layers", "32").Expect(ExitCode.Success);
        Assert.DoesNotContain('\r', run.Output);
        string[] epochs = [.. run.Output.Split('\n').Where(line => line.StartsWith("epoch ", StringComparison.Ordinal))];
        Assert.Equal(2, epochs.Length);
        foreach (string line in epochs)
            foreach (string field in (string[])["train loss", "acc", "validation loss", " s ", "samples/s"])
                Assert.Contains(field, line, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public void Quiet_prints_only_the_result_line()
    {
        CliRun run = CliRun.Of("train", "--epochs", "1", "--layers", "16", "--quiet").Expect(ExitCode.Success);
        Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("validation accuracy ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_reads_a_csv_file_with_a_separate_test_file_and_a_named_label_column()
    {
        using var folder = new TempFolder();
        string train = CliDataFiles.DigitsCsv(folder, "train.csv", 0, 1200);
        string test = CliDataFiles.DigitsCsv(folder, "test.csv", 1200, 597);
        CliRun run = CliRun.Of("train", "--data", train, "--test-data", test, "--label-column", "digit", "--standardize",
            "--epochs", "5").Expect(ExitCode.Success);
        Assert.Contains("1200 training and 597 test samples", run.Output, StringComparison.Ordinal);
        Assert.True(FinalAccuracy(run.Output, "test") >= 0.9, run.Output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Train_reads_a_folder_of_idx_files_raw_or_gzipped(bool gzip)
    {
        using var folder = new TempFolder();
        CliDataFiles.DigitsIdxFolder(folder, gzip);
        CliRun run = CliRun.Of("train", "--data", folder.Path, "--epochs", "5").Expect(ExitCode.Success);
        Assert.Contains("1200 training and 400 test samples, 64 features, 10 classes", run.Output, StringComparison.Ordinal);
        Assert.True(FinalAccuracy(run.Output, "test") >= 0.8, run.Output);
    }

    [Fact]
    public void Metrics_file_has_one_json_object_per_epoch_with_the_documented_fields()
    {
        using var folder = new TempFolder();
        string metrics = folder.File("run.jsonl");
        CliRun.Of("train", "--epochs", "3", "--layers", "32,16", "--metrics", metrics, "--quiet").Expect(ExitCode.Success);
        string[] lines = File.ReadAllLines(metrics);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument document = JsonDocument.Parse(lines[i]);
            JsonElement epoch = document.RootElement;
            Assert.Equal(i + 1, epoch.GetProperty("epoch").GetInt32());
            foreach (string name in (string[])["train_loss", "train_accuracy", "test_loss", "test_accuracy", "epoch_seconds",
                "samples_per_second"])
                Assert.True(epoch.GetProperty(name).GetDouble() > 0, name + " in " + lines[i]);
            Assert.InRange(epoch.GetProperty("test_accuracy").GetDouble(), 0, 1);
            Assert.True(epoch.GetProperty("allocated_bytes").GetInt64() >= 0);
            Assert.True(epoch.GetProperty("gen0_collections").GetInt32() >= 0);
            Assert.Equal("validation", epoch.GetProperty("test_set").GetString());
            // One norm per layer: two hidden layers and the output layer.
            Assert.Equal(3, epoch.GetProperty("weight_gradient_norms").GetArrayLength());
            Assert.Equal(3, epoch.GetProperty("error_norms").GetArrayLength());
        }
    }

    [Fact]
    public void Plot_file_is_an_svg_image()
    {
        using var folder = new TempFolder();
        string plot = folder.File("curves.svg");
        CliRun.Of("train", "--epochs", "2", "--layers", "16", "--plot", plot, "--quiet").Expect(ExitCode.Success);
        var svg = System.Xml.Linq.XDocument.Load(plot).Root!;
        Assert.Equal("{http://www.w3.org/2000/svg}svg", svg.Name.ToString());
        Assert.True(new FileInfo(plot).Length > 1000, "the SVG has only " + new FileInfo(plot).Length + " bytes");
    }

    [Fact]
    public void Report_gradients_prints_one_norm_per_layer_after_every_epoch()
    {
        CliRun run = CliRun.Of("train", "--epochs", "2", "--layers", "32,16", "--activation", "sigmoid", "--report-gradients")
            .Expect(ExitCode.Success);
        string[] norms = [.. run.Output.Split('\n').Where(line => line.Contains("gradient norms", StringComparison.Ordinal))];
        Assert.Equal(2, norms.Length);
        string weights = norms[0][(norms[0].IndexOf('‖') + 4)..norms[0].IndexOf("‖δ‖", StringComparison.Ordinal)];
        Assert.Equal(3, weights.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Every_optimizer_schedule_and_loss_trains()
    {
        foreach (string optimizer in (string[])["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "rprop", "irprop+"])
            CliRun.Of("train", "--optimizer", optimizer, "--epochs", "1", "--layers", "16", "--quiet").Expect(ExitCode.Success);
        foreach (string schedule in (string[])["constant", "step", "cosine"])
            CliRun.Of("train", "--schedule", schedule, "--warmup", "1", "--epochs", "2", "--layers", "16", "--quiet")
                .Expect(ExitCode.Success);
        foreach (string loss in (string[])["mse", "bce"])
            CliRun.Of("train", "--loss", loss, "--epochs", "1", "--layers", "16", "--quiet").Expect(ExitCode.Success);
        CliRun.Of("train", "--label-smoothing", "0.1", "--clip-norm", "1", "--weight-decay", "1e-4", "--threads", "2",
            "--epochs", "1", "--layers", "16", "--quiet").Expect(ExitCode.Success);
    }

    [Fact]
    public void Rprop_trains_on_the_whole_training_set_at_once()
    {
        using var folder = new TempFolder();
        string metrics = folder.File("rprop.jsonl");
        CliRun.Of("train", "--optimizer", "rprop", "--epochs", "2", "--layers", "16", "--metrics", metrics, "--quiet")
            .Expect(ExitCode.Success);
        foreach (string line in File.ReadAllLines(metrics))
        {
            using JsonDocument epoch = JsonDocument.Parse(line);
            Assert.Equal(1, epoch.RootElement.GetProperty("steps").GetInt32());
        }
    }

    [Fact]
    public void Label_smoothing_with_another_loss_is_bad_usage()
    {
        CliRun.Of("train", "--loss", "mse", "--label-smoothing", "0.1").Expect(ExitCode.Usage).ExpectOneLineError("--label-smoothing");
    }

    [Fact]
    public void Saved_model_round_trips_through_info_eval_predict_export_and_import()
    {
        using var folder = new TempFolder();
        string model = folder.File("digits.bpm");
        CliRun trained = CliRun.Of("train", "--epochs", "4", "--layers", "32", "--save", model, "--quiet").Expect(ExitCode.Success);
        double trainedAccuracy = FinalAccuracy(trained.Output, "validation");

        CliRun info = CliRun.Of("info", "--model", model).Expect(ExitCode.Success);
        Assert.Contains("trained      4 epochs", info.Output, StringComparison.Ordinal);

        // eval sees the same validation split train held out, so it reports the same accuracy.
        CliRun eval = CliRun.Of("eval", "--model", model).Expect(ExitCode.Success);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"accuracy {trainedAccuracy:F4}"), eval.Output, StringComparison.Ordinal);
        Assert.Contains("precision  recall", eval.Output, StringComparison.Ordinal);
        Assert.Contains("confusion matrix", eval.Output, StringComparison.Ordinal);

        string input = CliDataFiles.DigitsCsv(folder, "rows.csv", 0, 10);
        string predictions = folder.File("predictions.csv");
        CliRun.Of("predict", "--model", model, "--input", input, "--output", predictions).Expect(ExitCode.Success);
        Assert.Equal(11, File.ReadAllLines(predictions).Length);

        string tensors = folder.File("digits.safetensors"), back = folder.File("back.bpm");
        CliRun.Of("export", "--model", model, "--format", "safetensors", "--output", tensors).Expect(ExitCode.Success);
        CliRun.Of("import", "--input", tensors, "--output", back).Expect(ExitCode.Success);
        Assert.Equal(NativeModelFormat.Load<float>(model).Parameters, NativeModelFormat.Load<float>(back).Parameters);
        CliRun evalBack = CliRun.Of("eval", "--model", back).Expect(ExitCode.Success);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"accuracy {trainedAccuracy:F4}"), evalBack.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_with_bfloat16_weights_scores_the_model_as_float_does_to_bfloat16_precision()
    {
        using var folder = new TempFolder();
        string model = folder.File("digits.bpm");
        CliRun.Of("train", "--epochs", "4", "--layers", "32", "--save", model, "--quiet").Expect(ExitCode.Success);

        (double floatLoss, double floatAccuracy) = LossAndAccuracy(CliRun.Of("eval", "--model", model).Expect(ExitCode.Success).Output);
        CliRun half = CliRun.Of("eval", "--model", model, "--weight-format", "bfloat16").Expect(ExitCode.Success);
        (double halfLoss, double halfAccuracy) = LossAndAccuracy(half.Output);

        // 8 significant bits per weight move a few of 359 validation predictions at most, and the loss by about 1 %.
        Assert.InRange(Math.Abs(halfAccuracy - floatAccuracy), 0, 0.02);
        Assert.InRange(Math.Abs(halfLoss - floatLoss), 0, 0.02 * floatLoss + 0.005);
        Assert.Contains("confusion matrix", half.Output, StringComparison.Ordinal);
        CliRun.Of("eval", "--model", model, "--weight-format", "half").Expect(ExitCode.Usage).ExpectOneLineError("half", "bfloat16");
    }

    private static (double Loss, double Accuracy) LossAndAccuracy(string evalOutput)
    {
        Match match = Regex.Match(evalOutput, @"loss ([0-9.]+), accuracy ([0-9.]+)");
        Assert.True(match.Success, evalOutput);
        return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    // The schedule must not depend on --epochs (step and cosine do), else the two runs are different runs.
    [Fact]
    public void Resume_continues_a_saved_run_bit_identically()
    {
        using var folder = new TempFolder();
        string straight = folder.File("straight.bpm"), half = folder.File("half.bpm"), resumed = folder.File("resumed.bpm");
        string[] common = ["train", "--layers", "32", "--optimizer", "momentum", "--warmup", "1", "--lr", "0.05", "--quiet"];
        CliRun.Of([.. common, "--epochs", "4", "--save", straight]).Expect(ExitCode.Success);
        CliRun.Of([.. common, "--epochs", "2", "--save", half]).Expect(ExitCode.Success);
        CliRun.Of([.. common, "--epochs", "4", "--resume", half, "--save", resumed]).Expect(ExitCode.Success);
        ModelDescription<float> expected = NativeModelFormat.Load<float>(straight), actual = NativeModelFormat.Load<float>(resumed);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.Optimizer!.Buffers[0], actual.Optimizer!.Buffers[0]);
        Assert.Equal(expected.RngState, actual.RngState);
    }

    [Fact]
    public void Resume_with_the_epochs_already_reached_is_bad_usage()
    {
        using var folder = new TempFolder();
        string model = folder.File("m.bpm");
        CliRun.Of("train", "--epochs", "1", "--layers", "8", "--save", model, "--quiet").Expect(ExitCode.Success);
        CliRun.Of("train", "--epochs", "1", "--resume", model).Expect(ExitCode.Usage).ExpectOneLineError("--epochs 1");
    }

    [Fact]
    public void Early_stopping_reports_the_best_epoch()
    {
        CliRun run = CliRun.Of("train", "--epochs", "30", "--patience", "1", "--lr", "0.05", "--layers", "32", "--quiet")
            .Expect(ExitCode.Success);
        Assert.Contains("best epoch", run.Output, StringComparison.Ordinal);
    }

    internal static double FinalAccuracy(string output, string heldOut)
    {
        string marker = heldOut + " accuracy ";
        string line = output.Split('\n').Last(l => l.StartsWith(marker, StringComparison.Ordinal));
        return double.Parse(line[marker.Length..line.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
    }
}
