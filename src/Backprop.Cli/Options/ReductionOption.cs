using Backprop.Simd.Distributed;

namespace Backprop.Cli.Options;

/// <summary><c>--reduction sharded|all-reduce|overlapped</c>: how <c>train --distributed</c> combines the ranks' gradients.</summary>
internal static class ReductionOption
{
    private static readonly Dictionary<string, GradientReduction> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sharded"] = GradientReduction.ShardedOptimizer,
        ["all-reduce"] = GradientReduction.AllReduce,
        ["overlapped"] = GradientReduction.OverlappedAllReduce,
    };

    public static Choice<GradientReduction> Create() =>
        new("--reduction", "With --distributed, how the gradients are combined: sharded (reduce-scatter, each rank updates "
            + "its share of the parameters, all-gather), all-reduce (one call after the backward pass) or overlapped (layer "
            + "by layer during it).", Names, "sharded");
}
