using Backprop.Simd.Inference;

namespace Backprop.Cli.Options;

/// <summary><c>--weight-format float|bfloat16</c>: how a frozen model stores its weights for prediction.</summary>
internal static class WeightFormatOption
{
    private static readonly Dictionary<string, WeightFormat> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["float"] = WeightFormat.Full,
        ["bfloat16"] = WeightFormat.BFloat16,
    };

    public static Choice<WeightFormat> Create() =>
        new("--weight-format", "Weights for prediction: float (exact) or bfloat16 (half the memory traffic; each weight "
            + "rounded to 8 significant bits, products still summed in float).", Names, "float");
}
