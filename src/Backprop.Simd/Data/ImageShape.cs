namespace Backprop.Simd.Data;

/// <summary>The height and width of the images a data set's feature rows were flattened from (row by row).</summary>
/// <param name="Rows">Pixel rows per image.</param>
/// <param name="Columns">Pixel columns per image.</param>
public readonly record struct ImageShape(int Rows, int Columns)
{
    /// <summary>Pixels per image: <c>Rows × Columns</c>.</summary>
    public int Pixels => Rows * Columns;
}
