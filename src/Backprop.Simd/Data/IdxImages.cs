namespace Backprop.Simd.Data;

/// <summary>The content of an IDX image file: <see cref="Count"/> images of <see cref="Shape"/>, row-major.</summary>
/// <param name="Pixels">Row-major <c>[Count, Shape.Rows × Shape.Columns]</c>.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Shape">The size of every image.</param>
public sealed record IdxImages(float[] Pixels, int Count, ImageShape Shape);
