using Backprop.Cli;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Every broken-input case of the issue: one line on stderr naming the problem, exit code 1, nothing saved.</summary>
public class CliDataErrorTests
{
    [Fact]
    public void A_missing_data_file_is_reported_with_its_name()
    {
        using var folder = new TempFolder();
        string missing = folder.File("absent.csv");
        CliRun.Of("train", "--data", missing).Expect(ExitCode.Failure).ExpectOneLineError(missing, "no such file");
    }

    [Fact]
    public void A_wrong_idx_magic_is_reported_with_the_expected_and_found_values()
    {
        using var folder = new TempFolder();
        CliDataFiles.DigitsIdxFolder(folder, gzip: false, trainRows: 50, testRows: 20);
        folder.WriteBytes("train-images-idx3-ubyte", TempFolder.Idx(0x0801, [50], new byte[50]));
        CliRun.Of("train", "--data", folder.Path).Expect(ExitCode.Failure)
            .ExpectOneLineError("train-images-idx3-ubyte", "not an IDX images file", "0x00000803", "0x00000801");
    }

    [Fact]
    public void A_truncated_idx_file_is_reported_with_its_name()
    {
        using var folder = new TempFolder();
        CliDataFiles.DigitsIdxFolder(folder, gzip: true, trainRows: 50, testRows: 20);
        byte[] images = CliDataFiles.DigitImages(0, 50);
        folder.WriteBytes("train-images-idx3-ubyte.gz", images[..^100], gzip: true);
        CliRun.Of("train", "--data", folder.Path).Expect(ExitCode.Failure)
            .ExpectOneLineError("train-images-idx3-ubyte.gz", "truncated");
    }

    [Fact]
    public void An_image_and_label_count_mismatch_is_reported_with_both_counts()
    {
        using var folder = new TempFolder();
        CliDataFiles.DigitsIdxFolder(folder, gzip: false, trainRows: 50, testRows: 20);
        folder.WriteBytes("train-labels-idx1-ubyte", CliDataFiles.DigitLabels(0, 49));
        CliRun.Of("train", "--data", folder.Path).Expect(ExitCode.Failure).ExpectOneLineError("50 images", "49 labels");
    }

    [Fact]
    public void A_non_numeric_csv_cell_is_reported_with_its_line_and_column()
    {
        using var folder = new TempFolder();
        folder.WriteText("bad.csv", "a,b,label\n1,2,0\n3,x7,1\n");
        CliRun.Of("train", "--data", folder.File("bad.csv")).Expect(ExitCode.Failure)
            .ExpectOneLineError("bad.csv", "line 3, column 2", "'x7'");
    }

    [Fact]
    public void Ragged_csv_rows_are_reported_with_the_line_and_column_counts()
    {
        using var folder = new TempFolder();
        folder.WriteText("ragged.csv", "1,2,0\n3,4,1\n5,0\n");
        CliRun.Of("train", "--data", folder.File("ragged.csv")).Expect(ExitCode.Failure)
            .ExpectOneLineError("ragged.csv", "line 3 has 2 columns, expected 3");
    }

    [Fact]
    public void A_test_file_is_only_accepted_with_csv_data()
    {
        using var folder = new TempFolder();
        string csv = CliDataFiles.DigitsCsv(folder, "test.csv", 0, 20);
        CliRun.Of("train", "--test-data", csv).Expect(ExitCode.Usage).ExpectOneLineError("--test-data");
    }

    [Fact]
    public void Nothing_is_saved_when_training_fails()
    {
        using var folder = new TempFolder();
        folder.WriteText("bad.csv", "1,2,0\n3,x,1\n");
        string model = folder.File("model.bpm");
        CliRun.Of("train", "--data", folder.File("bad.csv"), "--save", model).Expect(ExitCode.Failure);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void Diverging_training_fails_cleanly_and_saves_nothing()
    {
        using var folder = new TempFolder();
        string model = folder.File("model.bpm");
        CliRun run = CliRun.Of("train", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "2", "--save", model, "--quiet")
            .Expect(ExitCode.Failure);
        Assert.Contains("backprop: ", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }
}
