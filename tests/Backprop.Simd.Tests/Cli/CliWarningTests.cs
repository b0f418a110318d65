using System.Text.Json;
using Backprop.Cli;
using Backprop.Simd.Data;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Issue 14, items 10 and 11: what trains but is probably wrong is said, on standard error and in the metrics.</summary>
public class CliWarningTests
{
    [Fact]
    public void A_run_whose_loss_grows_by_orders_of_magnitude_is_flagged_as_diverging()
    {
        using var folder = new TempFolder();
        string metrics = folder.File("m.jsonl");
        CliRun run = CliRun.Of("train", "--lr", "1000000", "--epochs", "2", "--limit", "400", "--metrics", metrics);
        Assert.Contains("warning: epoch 1", run.Error, StringComparison.Ordinal);
        Assert.Contains("diverging", run.Error, StringComparison.Ordinal);
        using var first = JsonDocument.Parse(File.ReadLines(metrics).First());
        Assert.True(first.RootElement.GetProperty("diverging").GetBoolean());
    }

    [Fact]
    public void A_healthy_run_is_not_flagged()
    {
        using var folder = new TempFolder();
        string metrics = folder.File("m.jsonl");
        CliRun run = CliRun.Of("train", "--epochs", "3", "--limit", "400", "--metrics", metrics).Expect(ExitCode.Success);
        Assert.DoesNotContain("warning", run.Error, StringComparison.Ordinal);
        foreach (string line in File.ReadLines(metrics))
        {
            using var document = JsonDocument.Parse(line);
            Assert.False(document.RootElement.GetProperty("diverging").GetBoolean());
            Assert.Equal(0, document.RootElement.GetProperty("skipped_steps").GetInt32());
        }
    }

    [Fact]
    public void A_healthy_run_at_batch_1_is_not_flagged_by_one_lucky_first_step()
    {
        // At batch 1 a step's loss is one sample's and can be 1e-7: later epochs are judged against the previous epoch.
        CliRun run = CliRun.Of("train", "--epochs", "4", "--batch", "1", "--limit", "400", "--seed", "3").Expect(ExitCode.Success);
        Assert.DoesNotContain("diverging", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stray_IDX_label_of_255_is_said_not_silently_trained_as_256_classes()
    {
        using var folder = new TempFolder();
        foreach ((string prefix, int start, int rows) in new[] { ("train", 0, 300), ("t10k", 300, 100) })
        {
            folder.WriteBytes(prefix + "-images-idx3-ubyte", CliDataFiles.DigitImages(start, rows));
            byte[] labels = new byte[rows];
            Dataset digits = Datasets.Digits();
            for (int r = 0; r < rows; r++) labels[r] = (byte)digits.Labels[start + r];
            if (prefix == "train") labels[5] = 255;
            folder.WriteBytes(prefix + "-labels-idx1-ubyte", TempFolder.Idx(IdxFile.LabelsMagic, [rows], labels));
        }
        CliRun run = CliRun.Of("train", "--data", folder.Path, "--epochs", "1", "--quiet");
        Assert.Contains("245 of the 256 classes have no training sample", run.Error, StringComparison.Ordinal);
    }
}
