namespace Backprop.Simd.Kernels;

/// <summary>
/// Work on a finished region of a product's C, done by the thread that computed the region while it is still in that
/// core's cache: a layer's bias and activation after its forward product, the previous layer's f' after the input
/// error. With two threads this work is split like the product instead of running on one thread between products.
/// Only elementwise work qualifies: every element must come out the same however C is cut into parts.
/// </summary>
internal interface IProductEpilogue
{
    /// <summary>Runs over C's rows [row, row + rows) and columns [column, column + columns), in C's own coordinates.</summary>
    void Apply(int row, int rows, int column, int columns);
}

/// <summary>A plain product.</summary>
internal readonly struct NoEpilogue : IProductEpilogue
{
    public void Apply(int row, int rows, int column, int columns)
    {
    }
}
