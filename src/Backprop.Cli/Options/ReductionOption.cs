using Backprop.Simd.Distributed;

namespace Backprop.Cli.Options;

/// <summary><c>--reduction sharded|all-reduce|overlapped</c>: how <c>train --distributed</c> combines the ranks' gradients.</summary>
internal static class ReductionOption
{
    private static readonly Dictionary<string, GradientReduction> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["all-reduce"] = GradientReduction.AllReduce,
        ["sharded"] = GradientReduction.ShardedOptimizer,
        ["overlapped"] = GradientReduction.OverlappedAllReduce,
    };

    public static Choice<GradientReduction> Create() =>
        new("--reduction", "With --distributed, how the gradients are combined: all-reduce (one call after the backward "
            + "pass), sharded (reduce-scatter, each rank updates its share of the parameters, all-gather) or overlapped "
            + "(all-reduce layer by layer during the backward pass).", Names, "all-reduce");
}
