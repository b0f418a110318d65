namespace Backprop.Simd.Kernels;

/// <summary>The integer rounding that tiling, panels, padding and work splits all need.</summary>
internal static class Sizes
{
    /// <summary>⌈value / divisor⌉ for value ≥ 0 and divisor &gt; 0.</summary>
    public static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;

    /// <summary>The smallest multiple of <paramref name="multiple"/> that is ≥ <paramref name="value"/>.</summary>
    public static int RoundUp(int value, int multiple) => CeilDiv(value, multiple) * multiple;
}
