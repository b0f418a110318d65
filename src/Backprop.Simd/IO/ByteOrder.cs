using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Backprop.Simd.IO;

/// <summary>Byte swapping for big-endian hosts: files are little-endian on every platform.</summary>
internal static class ByteOrder
{
    /// <summary>Reverses the bytes of each 2-, 4- or 8-byte element of <paramref name="bytes"/> in place.</summary>
    public static void ReverseElements(Span<byte> bytes, int elementSize)
    {
        switch (elementSize)
        {
            case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(bytes), MemoryMarshal.Cast<byte, ushort>(bytes)); break;
            case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(bytes), MemoryMarshal.Cast<byte, uint>(bytes)); break;
            case 8: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(bytes), MemoryMarshal.Cast<byte, ulong>(bytes)); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, "Element size must be 2, 4 or 8.");
        }
    }
}
