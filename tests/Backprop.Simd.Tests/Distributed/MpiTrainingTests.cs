using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Backprop.Simd.IO;
using Backprop.Simd.Tests.Cli;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Distributed;

/// <summary>
/// <c>mpirun -np 2 backprop train --distributed</c> for real, over Open MPI on this machine (Slow: a few seconds each;
/// <c>.ci/run</c> installs Open MPI and runs them): two ranks train the digits as one process does, run after run to
/// the bit, resume from a two-rank checkpoint exactly, and stop within seconds, naming the rank, when one dies.
/// </summary>
[Trait("Category", "Slow")]
public sealed class MpiTrainingTests(ITestOutputHelper output) : IDisposable
{
    private const string MpiMissing = "Open MPI is not installed (apt-get install -y openmpi-bin libopenmpi-dev)";
    private static readonly string[] Job = ["train", "--epochs", "4", "--batch", "64", "--seed", "3", "--layers", "48"];
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string? MpiRun => new[] { "/usr/bin/mpirun", "/usr/local/bin/mpirun" }.FirstOrDefault(File.Exists);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static Process StartRanks(int ranks, params string[] args)
    {
        var start = new ProcessStartInfo(MpiRun!, ["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(CultureInfo.InvariantCulture),
            ToolProcess.DotnetHost(), "exec", ToolProcess.ToolAssembly, .. args, "--distributed"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("mpirun did not start.");
    }

    private (int Code, string Output) Finish(Process process, TimeSpan limit)
    {
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The run did not end within " + limit.TotalSeconds + " s.");
        }
        string text = stdout.Result + stderr.Result;
        output.WriteLine(text);
        return (process.ExitCode, text);
    }

    private (int Code, string Output) RunRanks(int ranks, params string[] args)
    {
        using Process process = StartRanks(ranks, args);
        return Finish(process, TimeSpan.FromSeconds(120));
    }

    private (int Code, string Output) RunAlone(params string[] args)
    {
        using Process process = ToolProcess.StartTool(args);
        return Finish(process, TimeSpan.FromSeconds(120));
    }

    private static double[] TrainLosses(string metricsPath) =>
        [.. File.ReadLines(metricsPath).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("train_loss").GetDouble())];

    private static float[] Parameters(string modelPath) => NativeModelFormat.Load<float>(modelPath).Parameters;

    [SkippableFact]
    public void Two_ranks_train_the_digits_as_one_process_does_and_to_the_bit_run_after_run()
    {
        Skip.If(MpiRun is null, MpiMissing);
        var (code, _) = RunAlone([.. Job, "--save", PathOf("one.bpm"), "--metrics", PathOf("one.jsonl")]);
        Assert.Equal(0, code);
        for (int run = 1; run <= 2; run++)
        {
            var (rankCode, text) = RunRanks(2, [.. Job, "--save", PathOf($"two-{run}.bpm"), "--metrics", PathOf($"two-{run}.jsonl")]);
            Assert.Equal(0, rankCode);
            Assert.Contains("data-parallel over MPI: 2 ranks", text);
            Assert.Equal(1, text.Split("validation accuracy").Length - 1); // rank 0 alone reports
        }
        Assert.Equal(Parameters(PathOf("two-1.bpm")), Parameters(PathOf("two-2.bpm")));
        Assert.Equal(TrainLosses(PathOf("two-1.jsonl")), TrainLosses(PathOf("two-2.jsonl")));

        double[] alone = TrainLosses(PathOf("one.jsonl")), ranks = TrainLosses(PathOf("two-1.jsonl"));
        Assert.Equal(4, ranks.Length);
        for (int epoch = 0; epoch < alone.Length; epoch++)
            Assert.True(Math.Abs(ranks[epoch] - alone[epoch]) <= 1e-5 * alone[epoch], $"epoch {epoch + 1}: {ranks[epoch]} against {alone[epoch]}");
        float[] one = Parameters(PathOf("one.bpm")), two = Parameters(PathOf("two-1.bpm"));
        double largest = one.Zip(two, (a, b) => (double)Math.Abs(a - b)).Max();
        output.WriteLine($"largest parameter difference, 2 ranks against 1 process: {largest:E2}");
        Assert.True(largest < 1e-3, $"largest parameter difference {largest:E2}");
    }

    [SkippableFact]
    public void Three_ranks_follow_one_process_through_the_ring_exchange()
    {
        Skip.If(MpiRun is null, MpiMissing);
        Assert.Equal(0, RunAlone([.. Job, "--metrics", PathOf("one.jsonl")]).Code);
        foreach (string reduction in (string[])["sharded", "all-reduce"])
        {
            Assert.Equal(0, RunRanks(3, [.. Job, "--reduction", reduction, "--metrics", PathOf(reduction + ".jsonl")]).Code);
            double[] alone = TrainLosses(PathOf("one.jsonl")), ranks = TrainLosses(PathOf(reduction + ".jsonl"));
            for (int epoch = 0; epoch < alone.Length; epoch++)
                Assert.True(Math.Abs(ranks[epoch] - alone[epoch]) <= 1e-5 * alone[epoch], $"{reduction}, epoch {epoch + 1}: {ranks[epoch]} against {alone[epoch]}");
        }
    }

    [SkippableFact]
    public void A_two_rank_checkpoint_resumes_on_two_ranks_bit_identically()
    {
        Skip.If(MpiRun is null, MpiMissing);
        string[] straight = [.. Job, "--save", PathOf("straight.bpm")];
        Assert.Equal(0, RunRanks(2, straight).Code);
        string[] firstHalf = ["train", "--epochs", "2", "--batch", "64", "--seed", "3", "--layers", "48", "--save", PathOf("half.bpm")];
        Assert.Equal(0, RunRanks(2, firstHalf).Code);
        Assert.Equal(0, RunRanks(2, "train", "--resume", PathOf("half.bpm"), "--epochs", "4", "--batch", "64", "--seed", "3",
            "--save", PathOf("resumed.bpm")).Code);
        Assert.Equal(Parameters(PathOf("straight.bpm")), Parameters(PathOf("resumed.bpm")));
    }

    [SkippableFact]
    public void A_rank_that_dies_stops_every_other_rank_within_seconds_and_is_named()
    {
        Skip.If(MpiRun is null, MpiMissing);
        using Process mpirun = StartRanks(2, "train", "--epochs", "100000", "--quiet");
        Task<string> stdout = mpirun.StandardOutput.ReadToEndAsync(), stderr = mpirun.StandardError.ReadToEndAsync();
        int victim = WaitForRanks(mpirun.Id, 2, TimeSpan.FromSeconds(30)).Max();
        Thread.Sleep(2000); // training, not starting up
        Process.GetProcessById(victim).Kill();
        var clock = Stopwatch.StartNew();
        bool ended = mpirun.WaitForExit(TimeSpan.FromSeconds(20));
        if (!ended) mpirun.Kill(entireProcessTree: true);
        string text = stdout.Result + stderr.Result;
        output.WriteLine($"mpirun ended {clock.Elapsed.TotalSeconds:F1} s after rank process {victim} was killed:\n{text}");
        Assert.True(ended, "the surviving rank hung");
        Assert.NotEqual(0, mpirun.ExitCode);
        Assert.Matches(@"rank 1|\[\[\d+,\d+\],1\]", text);
    }

    // The rank processes are mpirun's children (one node, no daemon in between).
    private static int[] WaitForRanks(int launcher, int count, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            int[] children = [.. Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(name => name!.All(char.IsAsciiDigit))
                .Select(name => int.Parse(name!, CultureInfo.InvariantCulture)).Where(pid => ParentOf(pid) == launcher)];
            if (children.Length >= count) return children;
            Thread.Sleep(100);
        }
        throw new TimeoutException("mpirun did not start " + count + " ranks.");
    }

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText("/proc/" + pid + "/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return -1; }
    }
}
