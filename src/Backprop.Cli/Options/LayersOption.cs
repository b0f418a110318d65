using System.CommandLine;
using System.Globalization;

namespace Backprop.Cli.Options;

/// <summary><c>--layers 256,128</c>: the hidden-layer widths, input side first; <c>none</c> for no hidden layer.</summary>
internal static class LayersOption
{
    public static Option<int[]> Create(string defaultValue)
    {
        return new Option<int[]>("--layers")
        {
            Description = "Hidden-layer widths, comma-separated, input side first; 'none' for a linear model.",
            HelpName = "widths",
            DefaultValueFactory = _ => ParseWidths(defaultValue)!,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
                int[]? widths = ParseWidths(text);
                if (widths is null)
                    result.AddError("'" + text + "' is not a valid value for --layers; expected positive integers "
                        + "separated by commas, e.g. 256,128, or 'none'.");
                return widths ?? [];
            },
        };
    }

    private static int[]? ParseWidths(string text)
    {
        if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase)) return [];
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                return null;
        }
        return widths;
    }
}
