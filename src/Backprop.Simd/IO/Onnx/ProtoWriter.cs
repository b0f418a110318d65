using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Writes protobuf wire format into a growing buffer. An embedded message is written into its own writer first and
/// then appended with its length, the simplest correct order for messages that are small next to their weights.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint((ulong)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireType.Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message.Written);

    /// <summary>A packed repeated float field: the floats little-endian in one length-delimited run.</summary>
    public void WritePackedFloats(int field, ReadOnlySpan<float> values)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)values.Length * 4);
        var span = _buffer.GetSpan(4 * values.Length);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(4 * i)..], values[i]);
        _buffer.Advance(4 * values.Length);
    }

    private void WriteTag(int field, WireType wire) => WriteVarint(((ulong)field << 3) | (ulong)wire);

    private void WriteVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        int count = 0;
        while (value >= 0x80)
        {
            span[count++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[count++] = (byte)value;
        _buffer.Advance(count);
    }
}
