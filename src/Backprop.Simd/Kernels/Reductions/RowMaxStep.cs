using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>m = max_c y_c over one row (start Max at −∞); NaN when the row holds a NaN: softmax and argmax both start here.</summary>
internal ref struct RowMaxStep<T>(Strided<T> y) : IElementwiseStep where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> y = y;
    public T Max;

    public void Invoke(nint row, nint i) => Max = T.Max(Max, y[row, i]);

    public void Invoke128(nint row, nint i, int lanes) =>
        Max = T.Max(Max, Horizontal.Max(Lanes.KeepFirst128(Lanes.Load128(ref y[row, i], lanes), lanes, T.NegativeInfinity)));

    public void Invoke256(nint row, nint i, int lanes) =>
        Max = T.Max(Max, Horizontal.Max(Lanes.KeepFirst256(Lanes.Load256(ref y[row, i], lanes), lanes, T.NegativeInfinity)));

    public void Invoke512(nint row, nint i, int lanes) =>
        Max = T.Max(Max, Horizontal.Max(Lanes.KeepFirst512(Lanes.Load512(ref y[row, i], lanes), lanes, T.NegativeInfinity)));
}
