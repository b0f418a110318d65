using System.Numerics;
using Backprop.Simd.Model;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The error step of the layer below after the input error's product: <c>δ ← δ ⊙ f'(·)</c> over a region of δ, from
/// that layer's stored output y or pre-activation z (either may be absent where the derivative does not read it).
/// </summary>
internal readonly unsafe struct ActivationBackwardEpilogue<T>(MatrixView<T> delta, MatrixView<T> y, MatrixView<T> z, Activation activation)
    : IProductEpilogue where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Apply(int row, int rows, int column, int columns)
    {
        var output = y.Origin is null ? default : y.From(row, column).AsSpan2D(rows, columns);
        var preActivation = z.Origin is null ? default : z.From(row, column).AsSpan2D(rows, columns);
        ActivationKernels.ActivationBackward<T>(output, preActivation, activation, delta.From(row, column).AsSpan2D(rows, columns),
            SimdSupport.Active);
    }
}
