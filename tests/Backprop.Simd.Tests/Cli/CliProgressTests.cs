using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Simd.Tests.Cli;

/// <summary>
/// On a terminal, <c>train</c> and <c>bench</c> redraw a progress line while they work. The tool runs in a
/// pseudo-terminal made by <c>script</c> (util-linux), and the test reads every frame it drew.
/// </summary>
public sealed partial class CliProgressTests
{
    [GeneratedRegex(@"epoch (\d)/3 \[[#.]+\] (\d+)/(\d+)  loss \d+\.\d{4}")]
    private static partial Regex TrainFrame();

    [SkippableFact]
    public void Train_on_a_terminal_draws_intermediate_frames_with_loss_rate_and_ETA_and_still_allocates_nothing()
    {
        using var folder = new Data.TempFolder();
        string metrics = folder.File("m.jsonl");
        string frames = InPseudoTerminal("train", "--epochs", "3", "--batch", "1", "--layers", "512,512", "--metrics", metrics);
        // About a second per epoch here: frames every 0.1 s; a machine several times faster still draws a few.
        var intermediate = new HashSet<(int, int)>();
        foreach (Match match in TrainFrame().Matches(frames))
        {
            int epoch = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            int done = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            if (done < int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)) intermediate.Add((epoch, done));
        }
        Assert.True(intermediate.Count >= 3, "expected at least three intermediate frames, got:\n" + frames);
        Assert.Contains("samples/s  ETA ", frames, StringComparison.Ordinal);
        Assert.Contains("epoch 3/3  train loss", frames, StringComparison.Ordinal);
        // Drawing happens inside the measured training loop: the last epoch, warm, must still allocate 0 B.
        using var last = System.Text.Json.JsonDocument.Parse(File.ReadLines(metrics).Last());
        Assert.Equal(0, last.RootElement.GetProperty("allocated_bytes").GetInt64());
    }

    [Fact]
    public void Without_a_terminal_train_prints_plain_lines_only()
    {
        CliRun run = CliRun.Of("train", "--epochs", "2", "--limit", "300");
        Assert.DoesNotContain('\r', run.Output);
        Assert.DoesNotContain("[#", run.Output, StringComparison.Ordinal);
    }

    // script runs the command on a fresh pseudo-terminal and copies everything it wrote, carriage returns included.
    private static string InPseudoTerminal(params string[] args)
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/script"), "needs util-linux's script");
        string command = string.Join(' ', [Quote(ToolProcess.DotnetHost()), "exec", Quote(ToolProcess.ToolAssembly), .. args]);
        string typescript = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("/usr/bin/script", ["-qfec", command, typescript])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            using Process script = Process.Start(start) ?? throw new InvalidOperationException("script did not start");
            script.StandardInput.Close();
            Task<string> output = script.StandardOutput.ReadToEndAsync(), errors = script.StandardError.ReadToEndAsync();
            Assert.True(script.WaitForExit(120_000), "the tool did not finish in the pseudo-terminal");
            Assert.True(script.ExitCode == 0, "exit code " + script.ExitCode + ": " + output.Result + errors.Result);
            return File.ReadAllText(typescript);
        }
        finally
        {
            File.Delete(typescript);
        }
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
