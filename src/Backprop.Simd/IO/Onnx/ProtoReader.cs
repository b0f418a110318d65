using System.Buffers.Binary;
using System.Text;

namespace Backprop.Simd.IO.Onnx;

/// <summary>
/// Reads protobuf wire format from bytes that must not be trusted. Every length is checked against the bytes left in
/// the enclosing message before anything is sliced or allocated, so a hostile length becomes a
/// <see cref="ModelFormatException"/> naming the field and its offset. Nested messages are read by handing a slice to
/// a new reader; the message readers never recurse into a message type that can contain itself, so nesting depth is
/// fixed by the schema subset, not by the file.
/// </summary>
internal struct ProtoReader(ReadOnlyMemory<byte> message, long fileOffset)
{
    private readonly ReadOnlyMemory<byte> _message = message;
    private readonly long _fileOffset = fileOffset;
    private const int MaxVarintBytes = 10;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private int _position;

    /// <summary>Offset of the next byte from the start of the file, for messages.</summary>
    public readonly long Offset => _fileOffset + _position;

    /// <summary>True once every byte of the message has been read.</summary>
    public readonly bool AtEnd => _position == _message.Length;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(string owner, out int field, out WireType wire)
    {
        field = 0;
        wire = WireType.Varint;
        if (AtEnd) return false;
        long at = Offset;
        ulong tag = ReadVarint(owner + " field tag");
        ulong number = tag >> 3;
        int type = (int)(tag & 7);
        if (number == 0 || number > 536_870_911)
            throw new ModelFormatException($"{owner} has a field tag with number {number} at offset {at}; protobuf field numbers lie in [1, 2^29 − 1].");
        if (type is not (0 or 1 or 2 or 5))
            throw new ModelFormatException($"{owner} field {number} at offset {at} has wire type {type}, which ONNX never uses.");
        field = (int)number;
        wire = (WireType)type;
        return true;
    }

    public ulong ReadVarint(string field)
    {
        long at = Offset;
        var bytes = _message.Span;
        ulong value = 0;
        for (int i = 0; i < MaxVarintBytes; i++)
        {
            if (_position == bytes.Length)
                throw new ModelFormatException($"The message ended inside the varint {field} at offset {at}.");
            byte b = bytes[_position++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return value;
        }
        throw new ModelFormatException($"The varint {field} at offset {at} is longer than {MaxVarintBytes} bytes.");
    }

    public uint ReadFixed32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field).Span);

    /// <summary>Reads a length prefix and returns that many bytes, a slice of the file, not a copy.</summary>
    public ReadOnlyMemory<byte> ReadLengthDelimited(string field)
    {
        long at = Offset;
        ulong length = ReadVarint(field + " length");
        int remaining = _message.Length - _position;
        if (length > (ulong)remaining)
            throw new ModelFormatException(
                $"{field} at offset {at} claims {length} bytes but only {remaining} remain in the enclosing message.");
        return Take((int)length, field);
    }

    /// <summary>A reader over the embedded message that follows, with offsets still counted from the file's start.</summary>
    public ProtoReader ReadMessage(string field)
    {
        var body = ReadLengthDelimited(field);
        return new ProtoReader(body, Offset - body.Length);
    }

    public string ReadString(string field)
    {
        long at = Offset;
        var bytes = ReadLengthDelimited(field);
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new ModelFormatException($"{field} at offset {at} is not valid UTF-8.", e);
        }
    }

    public long ReadInt64(string field) => (long)ReadVarint(field);

    /// <summary>An int32 field: protobuf writes negative values sign-extended to ten bytes and readers keep the low 32 bits.</summary>
    public int ReadInt32(string field) => (int)ReadVarint(field);

    public float ReadFloat(string field) => BitConverter.UInt32BitsToSingle(ReadFixed32(field));

    /// <summary>Appends a repeated int64 field, packed (one length-delimited run) or not (one varint).</summary>
    public void ReadRepeatedInt64(WireType wire, List<long> values, string field)
    {
        if (wire == WireType.Varint)
        {
            values.Add(ReadInt64(field));
            return;
        }
        Expect(wire, WireType.LengthDelimited, field);
        var packed = ReadMessage(field);
        while (!packed.AtEnd) values.Add(packed.ReadInt64(field));
    }

    /// <summary>Appends a repeated float field, packed or not; a packed run must be a whole number of floats.</summary>
    public void ReadRepeatedFloat(WireType wire, List<float> values, string field)
    {
        if (wire == WireType.Fixed32)
        {
            values.Add(ReadFloat(field));
            return;
        }
        Expect(wire, WireType.LengthDelimited, field);
        long at = Offset;
        var packed = ReadLengthDelimited(field).Span;
        if (packed.Length % 4 != 0)
            throw new ModelFormatException($"The packed {field} at offset {at} has {packed.Length} bytes, not a whole number of floats.");
        for (int i = 0; i < packed.Length; i += 4) values.Add(BinaryPrimitives.ReadSingleLittleEndian(packed[i..]));
    }

    /// <summary>Skips a field this reader does not need, whatever its (valid) wire type.</summary>
    public void Skip(WireType wire, string field)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(field); break;
            case WireType.Fixed64: Take(8, field); break;
            case WireType.Fixed32: Take(4, field); break;
            default: ReadLengthDelimited(field); break;
        }
    }

    /// <summary>Throws unless the field arrived with the wire type its declaration gives it.</summary>
    public readonly void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
            throw new ModelFormatException($"{field} before offset {Offset} has wire type {(int)actual}; its declaration needs {(int)expected}.");
    }

    private ReadOnlyMemory<byte> Take(int count, string field)
    {
        if (count > _message.Length - _position)
            throw new ModelFormatException(
                $"The message ended inside {field} at offset {Offset}: it needs {count} bytes but only {_message.Length - _position} remain.");
        var slice = _message.Slice(_position, count);
        _position += count;
        return slice;
    }
}
