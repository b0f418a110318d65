using System.Globalization;
using Backprop.Simd.Distributed;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>train --distributed</c>: starts MPI in a process the launcher began, runs the training on this rank's share with
/// only rank 0 writing to the console and to files, and finalizes MPI when the run ends well.
/// </summary>
/// <remarks>
/// A rank that fails does not finalize (a collective call the others, stuck in a reduction, would never join): it
/// prints which rank it is and exits with its error's status, and Open MPI's launcher then stops every other rank.
/// </remarks>
internal static class DistributedTraining
{
    public static int Run(ToolConsole console, GradientReduction reduction, Func<ToolConsole, DataParallel, int> train)
    {
        if (!MpiCommunicator.IsLaunchedByMpi)
            throw new UsageException("--distributed needs an MPI launcher: mpirun -np N backprop train --distributed ...");
        MpiCommunicator world = MpiCommunicator.InitializeWorld();
        var parallel = new DataParallel(world) { Reduction = reduction };
        ToolConsole rankConsole = world.Rank == 0 ? console : console with { Output = TextWriter.Null, Error = TextWriter.Null };
        int code;
        try
        {
            code = train(rankConsole, parallel);
        }
        catch (Exception)
        {
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backprop: rank {world.Rank} of {world.Size} failed; Open MPI stops the other ranks:"));
            throw;
        }
        world.Dispose();
        return code;
    }

    public static string Describe(DataParallel parallel, int batch, int threads)
    {
        string reduction = parallel.Reduction switch
        {
            GradientReduction.AllReduce => "gradients all-reduced after the backward pass",
            GradientReduction.OverlappedAllReduce => "gradients all-reduced layer by layer during the backward pass",
            _ => "gradients reduce-scattered, each rank updating its shard of the parameters",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"data-parallel over MPI: {parallel.Size} ranks × {threads} thread(s), global batch {batch} ({parallel.Share(batch).Count} rows on rank 0), {reduction}");
    }

    public static string Summary(DataParallel parallel) => string.Create(CultureInfo.InvariantCulture,
        $"reductions: {parallel.ReducedSteps} steps, {1e3 * parallel.ReductionWaitSeconds / Math.Max(1, parallel.ReducedSteps):F3} ms per step communicating on rank 0");
}
