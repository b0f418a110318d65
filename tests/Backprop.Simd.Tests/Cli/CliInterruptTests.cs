using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Backprop.Cli;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>
/// Ctrl+C loses nothing: a running <c>train</c> that receives SIGINT finishes its step, saves a resumable checkpoint,
/// says how to resume and exits 130; the resumed run ends with a model file byte-identical to an uninterrupted run's.
/// </summary>
public sealed class CliInterruptTests
{
    private const int SigInt = 2;
    private static string[] Run(int epochs) =>
        ["train", "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--batch", "1", "--layers", "96,96", "--seed", "3"];

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [SkippableFact]
    public void SIGINT_in_train_saves_a_checkpoint_whose_resume_is_byte_identical_to_an_uninterrupted_run()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "POSIX signals only");
        // A shell without job control starts background commands with SIGINT ignored; the child inherits that, and the
        // runtime leaves an inherited ignore in place, so no SIGINT could reach the tool.
        Skip.If(SigIntIgnored(), "SIGINT is ignored in this test process (started in the background without job control)");
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.bpm"), uninterrupted = folder.File("full.bpm");

        // A loaded machine can hold this test's thread back until the child has finished; then a longer run is tried.
        foreach (int epochs in (int[])[10, 40, 160])
        {
            (int exitCode, List<string> output, string errors) = InterruptAfterEpoch2(Run(epochs), checkpoint);
            if (exitCode == ExitCode.Success) continue;
            string printed = string.Join("\n", output);
            Assert.True(exitCode == ExitCode.Interrupted, "exit code " + exitCode + "\n" + printed + "\n" + errors);
            Assert.Contains("stopping after this step", errors, StringComparison.Ordinal);
            string resume = "resume with: backprop " + string.Join(' ', Run(epochs)) + " --save " + checkpoint + " --resume " + checkpoint;
            Assert.Contains(output, line => line.StartsWith("interrupted ", StringComparison.Ordinal) && line.EndsWith(resume, StringComparison.Ordinal));

            CliRun.Of([.. Run(epochs), "--save", checkpoint, "--resume", checkpoint, "--quiet"]).Expect(ExitCode.Success);
            CliRun.Of([.. Run(epochs), "--save", uninterrupted, "--quiet"]).Expect(ExitCode.Success);
            Assert.Equal(File.ReadAllBytes(uninterrupted), File.ReadAllBytes(checkpoint));
            return;
        }
        Assert.Fail("Every run finished before SIGINT reached it.");
    }

    // Linux reports the ignored signals as a hex mask in /proc/self/status (bit n − 1 for signal n).
    private static bool SigIntIgnored()
    {
        if (!OperatingSystem.IsLinux()) return false;
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (SigInt - 1))) != 0;
    }

    // The signal goes in once the second epoch has been reported: the run is in its stride, most of it still to come.
    private static (int ExitCode, List<string> Output, string Errors) InterruptAfterEpoch2(string[] run, string checkpoint)
    {
        using Process child = ToolProcess.StartTool([.. run, "--save", checkpoint]);
        Task<string> errors = child.StandardError.ReadToEndAsync();
        string total = run[2], second = "epoch " + "2".PadLeft(total.Length) + "/" + total;
        var output = new List<string>();
        while (child.StandardOutput.ReadLine() is string line)
        {
            output.Add(line);
            if (line.StartsWith(second, StringComparison.Ordinal)) break;
        }
        Assert.True(Kill(child.Id, SigInt) == 0 || child.HasExited, "kill failed: " + Marshal.GetLastPInvokeError());
        output.AddRange(child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(child.WaitForExit(120_000), "train did not stop after SIGINT");
        return (child.ExitCode, output, errors.Result);
    }

    [Fact]
    public void Checkpoint_every_N_epochs_writes_a_resumable_file_during_the_run()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.bpm"), uninterrupted = folder.File("full.bpm");
        string[] run = ["train", "--epochs", "4", "--limit", "400", "--seed", "2"];
        // Two epochs with a checkpoint after each: the file holds epoch 2, from which two more epochs end where four do.
        CliRun.Of([.. run[..2], "2", .. run[3..], "--save", checkpoint, "--checkpoint-every", "1", "--quiet"]).Expect(ExitCode.Success);
        CliRun.Of([.. run, "--save", checkpoint, "--resume", checkpoint, "--quiet"]).Expect(ExitCode.Success);
        CliRun.Of([.. run, "--save", uninterrupted, "--quiet"]).Expect(ExitCode.Success);
        Assert.Equal(File.ReadAllBytes(uninterrupted), File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void Checkpoint_every_without_save_is_a_usage_error()
    {
        CliRun.Of("train", "--checkpoint-every", "2").Expect(ExitCode.Usage).ExpectOneLineError("--checkpoint-every", "--save");
    }
}
