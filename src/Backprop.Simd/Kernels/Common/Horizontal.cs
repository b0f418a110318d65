using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>Across-lane reductions of one vector, for the kernels that reduce a row.</summary>
internal static class Horizontal
{
    /// <summary>The largest lane; NaN when any lane is NaN (T.Max and Vector.Max propagate it).</summary>
    public static T Max<T>(Vector128<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) max = T.Max(max, v.GetElement(i));
        return max;
    }

    public static T Max<T>(Vector256<T> v) where T : unmanaged, IFloatingPointIeee754<T> =>
        Max(Vector128.Max(v.GetLower(), v.GetUpper()));

    public static T Max<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T> =>
        Max(Vector256.Max(v.GetLower(), v.GetUpper()));
}
