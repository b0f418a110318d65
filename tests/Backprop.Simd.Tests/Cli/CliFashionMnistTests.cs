using Backprop.Cli;
using Backprop.Simd.Data;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Runs only where Fashion-MNIST is installed (<c>apt-get install dataset-fashion-mnist</c>); skipped elsewhere.</summary>
public class CliFashionMnistTests(ITestOutputHelper log)
{
    [SkippableFact]
    public void Train_on_a_subset_of_fashion_mnist_learns_and_eval_reads_the_test_set()
    {
        Skip.IfNot(IsInstalled(), "Fashion-MNIST is not installed (" + FashionMnist.InstallCommand + ").");
        using var folder = new Data.TempFolder();
        string model = folder.File("fashion.bpm");
        CliRun run = CliRun.Of("train", "--data", "fashion-mnist", "--limit", "3000", "--layers", "64", "--lr", "0.003",
            "--epochs", "2", "--save", model).Expect(ExitCode.Success);
        log.WriteLine(run.Output);
        Assert.Contains("3000 training and 3000 test samples, 784 features, 10 classes", run.Output, StringComparison.Ordinal);
        Assert.True(CliTrainTests.FinalAccuracy(run.Output, "test") >= 0.6, run.Output);
        CliRun info = CliRun.Of("info", "--model", model).Expect(ExitCode.Success);
        Assert.Contains("T-shirt/top", info.Output, StringComparison.Ordinal);
    }

    private static bool IsInstalled()
    {
        try
        {
            FashionMnist.Locate();
            return true;
        }
        catch (DatasetNotInstalledException)
        {
            return false;
        }
    }
}
