namespace Backprop.Simd.Data;

/// <summary>How <see cref="CsvFile"/> reads a file: separator, header, which column holds the label.</summary>
public sealed record CsvOptions
{
    /// <summary>The cell separator; a comma by default.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>
    /// Whether the first line is a header: true, false, or null (the default) to detect it: the first line is a header
    /// when one of its feature cells is not a number.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>The label column by header name (implies a header). Takes precedence over <see cref="LabelColumnIndex"/>.</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>
    /// The label column by 0-based index; negative values count from the end (−1, the default, is the last column).
    /// </summary>
    public int LabelColumnIndex { get; init; } = -1;

    /// <summary>
    /// The most distinct labels accepted (1000 by default). More usually means the wrong column was chosen as label.
    /// </summary>
    public int MaxClasses { get; init; } = 1000;

    /// <summary>The image each row was flattened from, if the features are pixels.</summary>
    public ImageShape? ImageShape { get; init; }
}
