using Backprop.Cli;
using Backprop.Simd.Kernels;

namespace Backprop.Simd.Tests.Cli;

public class CliUsageTests
{
    [Fact]
    public void Version_prints_the_version_and_the_simd_variant_in_use()
    {
        CliRun run = CliRun.Of("--version").Expect(ExitCode.Success);
        Assert.StartsWith("backprop ", run.Output, StringComparison.Ordinal);
        Assert.Contains("SIMD: " + SimdSupport.Active, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_every_command_and_succeeds()
    {
        CliRun run = CliRun.Of("--help").Expect(ExitCode.Success);
        foreach (string command in (string[])["train", "eval", "predict", "info", "bench", "export", "import"])
            Assert.Contains(command, run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--activation", "swish", "'swish' is not a valid value for --activation")]
    [InlineData("--activation", "relu:2", "only leaky-relu and elu take a numeric parameter")]
    [InlineData("--optimizer", "lbfgs", "'lbfgs' is not a valid value for --optimizer")]
    [InlineData("--loss", "hinge", "'hinge' is not a valid value for --loss")]
    [InlineData("--schedule", "exponential", "'exponential' is not a valid value for --schedule")]
    [InlineData("--layers", "256,x", "'256,x' is not a valid value for --layers")]
    [InlineData("--layers", "0", "'0' is not a valid value for --layers")]
    [InlineData("--batch", "0", "--batch 0 must be at least 1")]
    [InlineData("--epochs", "ten", "ten")]
    [InlineData("--validation-split", "1.5", "--validation-split 1.5 must be between 0 and 1")]
    [InlineData("--lr", "-1", "--lr -1 must be at least 0")]
    public void Unknown_or_invalid_option_values_are_bad_usage(string option, string value, string message)
    {
        CliRun.Of("train", option, value).Expect(ExitCode.Usage).ExpectOneLineError(message);
    }

    [Fact]
    public void An_unknown_command_or_option_is_bad_usage()
    {
        CliRun.Of("fit").Expect(ExitCode.Usage).ExpectOneLineError("fit");
        CliRun.Of("train", "--colour", "blue").Expect(ExitCode.Usage).ExpectOneLineError("--colour");
    }

    [Fact]
    public void A_missing_required_option_is_bad_usage()
    {
        CliRun.Of("info").Expect(ExitCode.Usage).ExpectOneLineError("--model");
        CliRun.Of("predict", "--model", "m.bpm").Expect(ExitCode.Usage).ExpectOneLineError("--input");
    }

    [Fact]
    public void Verbose_adds_the_stack_trace_to_an_error()
    {
        CliRun run = CliRun.Of("info", "--model", "/nonexistent/model.bpm", "--verbose").Expect(ExitCode.Failure);
        Assert.StartsWith("backprop: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("   at ", run.Error, StringComparison.Ordinal);
    }
}
