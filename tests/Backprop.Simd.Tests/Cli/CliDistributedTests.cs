using Backprop.Cli;

namespace Backprop.Simd.Tests.Cli;

/// <summary>
/// <c>train --distributed</c>'s misuse, answered before MPI is touched: no launcher, or options that need one or
/// cannot go with it. The runs under <c>mpirun</c> are in Distributed/MpiTrainingTests.
/// </summary>
public class CliDistributedTests
{
    [Fact]
    public void Distributed_training_without_an_mpi_launcher_says_how_to_start_it()
    {
        Assert.Null(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"));
        CliRun.Of("train", "--distributed", "--epochs", "1").Expect(ExitCode.Usage)
            .ExpectOneLineError("--distributed needs an MPI launcher: mpirun -np N backprop train --distributed");
    }

    [Fact]
    public void A_reduction_without_distributed_training_is_bad_usage()
    {
        CliRun.Of("train", "--reduction", "all-reduce", "--epochs", "1").Expect(ExitCode.Usage)
            .ExpectOneLineError("--reduction applies to --distributed training only");
    }

    [Fact]
    public void Layer_gradient_reports_cannot_be_combined_with_distributed_training()
    {
        CliRun.Of("train", "--distributed", "--report-gradients").Expect(ExitCode.Usage)
            .ExpectOneLineError("--report-gradients measures one rank's rows");
    }

    [Fact]
    public void An_unknown_reduction_is_bad_usage()
    {
        CliRun.Of("train", "--distributed", "--reduction", "ring").Expect(ExitCode.Usage)
            .ExpectOneLineError("'ring' is not a valid value for --reduction");
    }
}
