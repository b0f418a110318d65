using System.Numerics;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Hosting;

/// <summary>Finds NaN and ±Infinity in raw FP32 data a vector at a time: a float is not finite when its exponent bits are all ones.</summary>
internal static class FiniteFloats
{
    private const uint ExponentBits = 0x7F80_0000;

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(values);
        var exponent = new Vector<uint>(ExponentBits);
        int i = 0;
        for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            if (Vector.EqualsAny(new Vector<uint>(bits[i..]) & exponent, exponent)) break;
        for (; i < bits.Length; i++)
            if ((bits[i] & ExponentBits) == ExponentBits) return i;
        return -1;
    }
}
