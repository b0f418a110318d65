using System.CommandLine;
using Backprop.Simd.Kernels;

namespace Backprop.Cli.Options;

/// <summary><c>--loss cross-entropy|mse|bce</c> and the names the tool prints for each loss.</summary>
internal static class LossOption
{
    private static readonly Dictionary<string, LossKind> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cross-entropy"] = LossKind.SoftmaxCrossEntropy,
        ["mse"] = LossKind.MeanSquaredError,
        ["bce"] = LossKind.BinaryCrossEntropyWithLogits,
    };

    public static Option<LossKind> Create() =>
        Choice.Create("--loss", "Training loss (mse and bce train on one-hot targets).", Names, "cross-entropy");

    public static string NameOf(LossKind loss)
    {
        foreach ((string name, LossKind kind) in Names) if (kind == loss) return name;
        return loss.ToString();
    }
}
