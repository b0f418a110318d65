using Backprop.Simd.Model;

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

    /// <summary><c>--loss</c>; a null <paramref name="defaultName"/> leaves it unset unless given.</summary>
    public static Choice<LossKind> Create(string description, string? defaultName) =>
        new("--loss", description, Names, defaultName);

    public static string NameOf(LossKind loss)
    {
        foreach ((string name, LossKind kind) in Names) if (kind == loss) return name;
        return loss.ToString();
    }
}
