using Backprop.Cli;
using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Cli;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Model;

/// <summary>Issue 14, item 8: sizes are counted without wrapping, and refused with a clear message before allocating.</summary>
public class SizingTests
{
    private static Network<float> Digits() => new(64, [new Dense(128, Activation.Relu), new Dense(10)], seed: 1);

    [Fact]
    public void A_batch_whose_workspace_size_wraps_past_2_to_the_32_is_refused_not_built_tiny()
    {
        // 12,632,257 rows × 340 columns = 4,294,967,380 = 2³² + 84: once an 84-element workspace.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer<float>(Digits(), Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 12_632_257));
        Assert.Equal("maxBatch", error.ParamName);
        Assert.Contains("A batch of 12632257 rows needs", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer<float>(Digits(), Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: int.MaxValue));
    }

    [Fact]
    public void A_network_with_more_parameters_than_one_block_holds_is_refused_before_allocating()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Network<float>(64, [new Dense(40_000_000), new Dense(10)]));
        Assert.Contains("needs", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Network<float>(100_000, [new Dense(100_000), new Dense(100_000)]));
    }

    [Fact]
    public void A_session_too_large_for_one_block_is_refused_by_name()
    {
        FrozenModel<float> model = FrozenModel<float>.From(Digits());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateSession(maxBatch: int.MaxValue));
        Assert.Equal("maxBatch", error.ParamName);
    }

    [Fact]
    public void The_cli_refuses_a_huge_batch_with_one_line_naming_it()
    {
        CliRun.Of("train", "--epochs", "1", "--limit", "50", "--batch", "12632257").Expect(ExitCode.Usage)
            .ExpectOneLineError("A batch of 12632257 rows");
    }

    [Fact]
    public void The_cli_refuses_a_network_that_cannot_fit_in_memory_before_building_it()
    {
        // 20,000,000 hidden units: 1.5 billion parameters, about 30 GB with gradients and Adam's buffers.
        if (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes > 28_000_000_000) return;
        CliRun.Of("train", "--epochs", "1", "--limit", "50", "--layers", "20000000").Expect(ExitCode.Failure)
            .ExpectOneLineError("GB is available");
        CliRun.Of("train", "--epochs", "1", "--limit", "50", "--layers", "20000000,20000000").Expect(ExitCode.Failure)
            .ExpectOneLineError("GB is available");
    }
}
