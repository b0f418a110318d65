using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Issue 14, item 1: output paths are checked before training, and the model is written first.</summary>
public class CliOutputPathTests
{
    private static readonly string[] QuickRun = ["train", "--epochs", "1", "--limit", "200", "--layers", "8"];

    [Fact]
    public void A_plot_path_that_is_a_folder_fails_before_the_first_epoch()
    {
        using var folder = new TempFolder();
        string plot = folder.File("plots.svg");
        Directory.CreateDirectory(plot);
        CliRun run = CliRun.Of([.. QuickRun, "--plot", plot, "--save", folder.File("m.bpm")]).Expect(ExitCode.Failure)
            .ExpectOneLineError("--plot", "is a folder");
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("m.bpm")));
    }

    [Fact]
    public void A_save_path_that_is_a_folder_fails_before_the_first_epoch()
    {
        using var folder = new TempFolder();
        CliRun run = CliRun.Of([.. QuickRun, "--save", folder.Path]).Expect(ExitCode.Failure)
            .ExpectOneLineError("--save", "is a folder");
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_metrics_and_plot_create_missing_folders_alike()
    {
        using var folder = new TempFolder();
        string model = Path.Combine(folder.Path, "a", "b", "m.bpm");
        string metrics = Path.Combine(folder.Path, "c", "m.jsonl");
        string plot = Path.Combine(folder.Path, "d", "m.svg");
        CliRun.Of([.. QuickRun, "--quiet", "--save", model, "--metrics", metrics, "--plot", plot]).Expect(ExitCode.Success);
        Assert.Equal(1, NativeModelFormat.Load<float>(model).Epoch);
        Assert.True(File.Exists(metrics));
        Assert.True(File.Exists(plot));
    }

    [Fact]
    public void Export_import_and_predict_create_a_missing_output_folder()
    {
        using var folder = new TempFolder();
        string model = folder.File("m.bpm");
        CliRun.Of([.. QuickRun, "--quiet", "--save", model]).Expect(ExitCode.Success);
        string exported = Path.Combine(folder.Path, "x", "m.safetensors");
        CliRun.Of("export", "--model", model, "--output", exported).Expect(ExitCode.Success);
        string imported = Path.Combine(folder.Path, "y", "m.bpm");
        CliRun.Of("import", "--input", exported, "--output", imported).Expect(ExitCode.Success);
        string rows = folder.WriteText("rows.csv", string.Join(',', Enumerable.Repeat("0.5", 64)) + "\n");
        string predictions = Path.Combine(folder.Path, "z", "p.csv");
        CliRun.Of("predict", "--model", imported, "--input", rows, "--output", predictions).Expect(ExitCode.Success);
        Assert.Equal(2, File.ReadAllLines(predictions).Length);
    }
}
