using System.Numerics;
using Backprop.Simd.Model;

namespace Backprop.Simd.Kernels;

/// <summary>
/// A layer's forward step after its product: <c>z = y + bias</c>, <c>y = f(z)</c> over a region of the product y,
/// z kept where the activation's derivative needs it.
/// </summary>
internal readonly unsafe struct BiasActivationEpilogue<T>(MatrixView<T> y, T* bias, MatrixView<T> z, Activation activation)
    : IProductEpilogue where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Apply(int row, int rows, int column, int columns)
    {
        var product = y.From(row, column).AsSpan2D(rows, columns);
        var preActivation = z.Origin is null ? default : z.From(row, column).AsSpan2D(rows, columns);
        ActivationKernels.BiasActivationForward<T>(product, new ReadOnlySpan<T>(bias + column, columns), activation, preActivation, product,
            SimdSupport.Active);
    }
}
