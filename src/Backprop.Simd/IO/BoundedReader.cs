using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Backprop.Simd.IO;

/// <summary>
/// Reads little-endian fields from a stream that must not be trusted: every read is checked against the bytes left
/// before <see cref="End"/>, and every array size is checked before it is allocated, so a hostile length becomes a
/// <see cref="ModelFormatException"/> naming the field and its offset, never an out-of-memory error.
/// </summary>
internal sealed class BoundedReader(Stream stream, long start, long end)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Offset of the next byte, relative to the start of the file.</summary>
    public long Offset { get; private set; }

    /// <summary>Offset (relative to the start of the file) where readable content ends.</summary>
    public long End { get; } = end - start;

    public long Remaining => End - Offset;

    /// <summary>Throws unless <paramref name="bytes"/> more bytes are available for <paramref name="field"/>.</summary>
    public void Require(long bytes, string field)
    {
        if (bytes < 0 || bytes > Remaining)
            throw new ModelFormatException(
                $"Truncated or oversized {field} at offset {Offset}: it needs {bytes} bytes but only {Remaining} remain.");
    }

    public void ReadBytes(Span<byte> destination, string field)
    {
        Require(destination.Length, field);
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException($"The file ended early while reading {field} at offset {Offset}.", e);
        }
        Offset += destination.Length;
    }

    public byte ReadByte(string field)
    {
        Span<byte> bytes = stackalloc byte[1];
        ReadBytes(bytes, field);
        return bytes[0];
    }

    public ushort ReadUInt16(string field)
    {
        Span<byte> bytes = stackalloc byte[2];
        ReadBytes(bytes, field);
        return BinaryPrimitives.ReadUInt16LittleEndian(bytes);
    }

    public uint ReadUInt32(string field)
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadBytes(bytes, field);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public ulong ReadUInt64(string field)
    {
        Span<byte> bytes = stackalloc byte[8];
        ReadBytes(bytes, field);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    public double ReadDouble(string field) => BitConverter.UInt64BitsToDouble(ReadUInt64(field));

    /// <summary>Reads a count that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int ReadCount32(string field, int min, int max)
    {
        long at = Offset;
        uint value = ReadUInt32(field);
        if (value < min || value > max)
            throw new ModelFormatException($"{field} at offset {at} is {value}; it must lie in [{min}, {max}].");
        return (int)value;
    }

    /// <summary>Reads <paramref name="count"/> elements of 2, 4 or 8 bytes, checking the size before allocating.</summary>
    public T[] ReadArray<T>(long count, string field)
        where T : unmanaged
    {
        int elementSize = Unsafe.SizeOf<T>();
        if (count < 0 || count > Array.MaxLength || count > Remaining / elementSize)
            throw new ModelFormatException(
                $"{field} at offset {Offset} claims {count} elements of {elementSize} bytes but only {Remaining} bytes remain.");
        var values = new T[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        ReadBytes(bytes, field);
        if (!BitConverter.IsLittleEndian) ByteOrder.ReverseElements(bytes, elementSize);
        return values;
    }

    /// <summary>Reads <paramref name="length"/> bytes of strict UTF-8 (invalid sequences are rejected, not replaced).</summary>
    public string ReadUtf8(int length, string field)
    {
        long at = Offset;
        Require(length, field);
        var bytes = new byte[length];
        ReadBytes(bytes, field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ModelFormatException($"{field} at offset {at} is not valid UTF-8.", e);
        }
    }
}
