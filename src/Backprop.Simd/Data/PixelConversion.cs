using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Data;

/// <summary>Widens unsigned-byte pixels to floats, optionally divided by a scale, in one pass.</summary>
internal static class PixelConversion
{
    /// <summary>
    /// <c>destination[i] = source[i] / divisor</c> (or <c>source[i]</c> when <paramref name="divisor"/> is 1). A true
    /// division, not a multiply by the reciprocal, so that values equal PyTorch's <c>ToTensor</c> (x / 255) exactly.
    /// </summary>
    // Called a few hundred times per file, each on 64 KiB: without this the first files would run the unoptimised
    // tier-0 code, whose vector operations are calls, and a one-shot load would never reach the fast version.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Convert(ReadOnlySpan<byte> source, Span<float> destination, float divisor)
    {
        if (destination.Length < source.Length) throw new ArgumentException("Destination too short.", nameof(destination));
        int i = 0;
        if (Vector256.IsHardwareAccelerated && source.Length >= Vector128<byte>.Count)
        {
            ref byte s = ref MemoryMarshal.GetReference(source);
            ref float d = ref MemoryMarshal.GetReference(destination);
            var scale = Vector256.Create(divisor);
            for (; i <= source.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref s, (nuint)i);
                (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(bytes);
                Store(Vector256.WidenLower(Vector256.Create(low, high)), scale, ref d, i);
                Store(Vector256.WidenUpper(Vector256.Create(low, high)), scale, ref d, i + Vector256<float>.Count);
            }
        }
        for (; i < source.Length; i++) destination[i] = source[i] / divisor;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<uint> values, Vector256<float> divisor, ref float destination, int offset) =>
        (Vector256.ConvertToSingle(values) / divisor).StoreUnsafe(ref destination, (nuint)offset);
}
