using Backprop.Cli;

namespace Backprop.Simd.Tests.Cli;

/// <summary>What one in-process run of the tool returned and printed.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <c>backprop</c> with <paramref name="args"/> in this process, output captured, not a terminal.</summary>
    public static CliRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BackpropTool.Run(args, new ToolConsole(output, error, Interactive: false));
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Fails with everything the tool printed unless it exited with <paramref name="expected"/>.</summary>
    public CliRun Expect(int expected)
    {
        Assert.True(ExitCode == expected,
            "exit code " + ExitCode + ", expected " + expected + "\nstdout:\n" + Output + "\nstderr:\n" + Error);
        return this;
    }

    /// <summary>Checks the error contract: exactly one line on stderr, no stack trace, containing every fragment.</summary>
    public CliRun ExpectOneLineError(params string[] fragments)
    {
        string[] lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one error line, got:\n" + Error);
        Assert.StartsWith("backprop: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
        foreach (string fragment in fragments) Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        return this;
    }
}
