using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Backprop.Simd.IO;

/// <summary>Writes little-endian primitives and arrays to a stream while hashing every byte with XxHash64.</summary>
internal sealed class LittleEndianWriter(Stream stream)
{
    private const int ChunkBytes = 1 << 16;
    private readonly XxHash64 _hash = new();
    private readonly byte[] _scratch = new byte[ChunkBytes];

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        _hash.Append(bytes);
        stream.Write(bytes);
    }

    public void WriteByte(byte value) => WriteBytes([value]);

    public void WriteUInt16(ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        WriteBytes(bytes);
    }

    public void WriteUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        WriteBytes(bytes);
    }

    public void WriteUInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        WriteBytes(bytes);
    }

    public void WriteDouble(double value) => WriteUInt64(BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Writes float or double elements in little-endian order, a chunk at a time.</summary>
    public void WriteArray<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        if (BitConverter.IsLittleEndian)
        {
            WriteBytes(bytes);
            return;
        }
        int elementSize = bytes.Length / Math.Max(values.Length, 1);
        for (int start = 0; start < bytes.Length; start += ChunkBytes)
        {
            var chunk = _scratch.AsSpan(0, Math.Min(ChunkBytes, bytes.Length - start));
            bytes.Slice(start, chunk.Length).CopyTo(chunk);
            ByteOrder.ReverseElements(chunk, elementSize);
            WriteBytes(chunk);
        }
    }

    /// <summary>Writes the hash of everything written so far; the checksum itself is not hashed.</summary>
    public void WriteChecksum()
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, _hash.GetCurrentHashAsUInt64());
        stream.Write(bytes);
    }
}
