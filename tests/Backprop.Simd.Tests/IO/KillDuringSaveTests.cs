using System.Diagnostics;
using Backprop.Simd.IO;
using Backprop.Simd.Tests.Cli;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// A process killed at a random moment while it saves leaves the previous complete file or the new complete file, never
/// a broken one. A child process (this test assembly run through its startup hook, see <see cref="SaveLoop"/>) saves a
/// 4 MB model to one path in a loop and is killed outright (SIGKILL, no clean-up) again and again.
/// </summary>
public sealed class KillDuringSaveTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-kill-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Each kill costs a process start (0.2 s idle, seconds on a loaded machine), so the default run kills a few times
    // and the slow run the full count.
    [Fact]
    public void A_saver_killed_at_a_few_random_moments_always_leaves_a_complete_old_or_new_file() => KillRepeatedly(6, seed: 5);

    [Fact]
    [Trait("Category", "Slow")]
    public void A_saver_killed_at_25_random_moments_always_leaves_a_complete_old_or_new_file() => KillRepeatedly(25, seed: 6);

    private void KillRepeatedly(int kills, int seed)
    {
        string path = Path.Combine(_folder, "model.bpm");
        var clock = Stopwatch.StartNew();
        NativeModelFormat.Save(path, SaveLoop.Model(0));
        // Kills land uniformly within about two saves after the child's first completed one: mostly mid-write.
        int window = Math.Max(2, (int)(2 * clock.ElapsedMilliseconds));
        var random = new Random(seed);
        long newestSeen = 0;
        int killsLeavingTemporary = 0;
        int kill = 0;
        // Kills that all happen to miss the write would prove nothing, so a few extra are allowed until one hits it.
        for (; kill < kills || (killsLeavingTemporary == 0 && kill < 3 * kills); kill++)
        {
            using Process child = StartSaver(path);
            string? line = child.StandardOutput.ReadLine();
            if (line != "saved 1")
                Assert.Fail($"Kill {kill}: the child did not report its first save but '{line}'; stderr: {child.StandardError.ReadToEnd()}");
            Thread.Sleep(random.Next(window));
            child.Kill(entireProcessTree: true);
            child.WaitForExit();

            // The checksum proves the file complete; the parameters prove it is the generation it claims to be.
            ModelDescription<float> saved = NativeModelFormat.Load<float>(path);
            ModelSamples.AssertIdentical(SaveLoop.Model(saved.Epoch), saved);
            Assert.True(saved.Epoch >= 1, $"Kill {kill}: the file is generation {saved.Epoch}, older than the child's first save.");
            newestSeen = Math.Max(newestSeen, saved.Epoch);
            killsLeavingTemporary += Temporaries().Length;
        }

        // A save that completes removes what the killed savers left behind.
        NativeModelFormat.Save(path, SaveLoop.Model(0));
        Assert.Equal([path], Directory.GetFiles(_folder));
        Assert.True(killsLeavingTemporary > 0, "No kill landed during a write; the test did not exercise what it claims.");
        Console.WriteLine($"{kill} kills, {killsLeavingTemporary} mid-write; newest generation seen {newestSeen}.");
    }

    private string[] Temporaries() => Directory.GetFiles(_folder, ".model.bpm.*.tmp");

    private static Process StartSaver(string path)
    {
        string tests = typeof(SaveLoop).Assembly.Location;
        return ToolProcess.Start([tests], new Dictionary<string, string>
        {
            ["DOTNET_STARTUP_HOOKS"] = tests,
            [SaveLoop.TargetVariable] = path,
        });
    }
}
