namespace Backprop.Simd.Kernels;

/// <summary>
/// Conversions between float and bfloat16 (the top 16 bits of a binary32: the same exponent range, 8 significant bits),
/// as PyTorch's <c>tensor.to(torch.bfloat16)</c> rounds: to nearest, ties to even; NaN stays a quiet NaN of its sign.
/// </summary>
internal static class BFloat16
{
    public static ushort Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint tieToEven = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + tieToEven) >> 16);
    }

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
