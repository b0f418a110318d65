using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace Backprop.Simd.IO;

/// <summary>
/// A safetensors file: named tensors plus string metadata. Layout: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON <c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {...}}</c>, then the
/// raw little-endian data, offsets relative to its start.
/// </summary>
/// <remarks>
/// Reading checks the header length against the file and <see cref="MaxHeaderBytes"/>, the JSON's shape, every dtype,
/// shape and offset range (in the data, byte size = dtype size × element count, no holes, no overlap, no duplicate
/// names) before allocating, and throws <see cref="ModelFormatException"/> for anything wrong. F32, F64, F16 and BF16
/// are read and converted to float; writing always produces F32, with the header padded by spaces to 8-byte alignment.
/// </remarks>
public sealed class SafeTensorsFile
{
    /// <summary>The header key that holds string metadata rather than a tensor.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest JSON header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int ChunkBytes = 1 << 16;
    private readonly Dictionary<string, SafeTensor> _byName;

    /// <summary>Creates a file's content from tensors (kept in this order) and optional metadata (copied).</summary>
    /// <param name="tensors">Tensors with unique names.</param>
    /// <param name="metadata">String key/value pairs stored under "__metadata__".</param>
    /// <exception cref="ArgumentException">Two tensors share a name.</exception>
    public SafeTensorsFile(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _byName = new Dictionary<string, SafeTensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (!_byName.TryAdd(tensor.Name, tensor))
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'.", nameof(tensors));
        }
        Tensors = [.. tensors];
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata) copy.Add(key, value ?? throw new ArgumentException($"Metadata '{key}' is null.", nameof(metadata)));
        }
        Metadata = copy;
    }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<SafeTensor> Tensors { get; }

    /// <summary>The "__metadata__" entries; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Finds a tensor by name.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="tensor">The tensor, when found.</param>
    /// <returns>True when the file holds a tensor of that name.</returns>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeTensor? tensor) =>
        _byName.TryGetValue(name, out tensor);

    /// <summary>Loads and checks a safetensors file.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ModelFormatException">The file is not a valid safetensors file; the message says what and where.</exception>
    public static SafeTensorsFile Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: ChunkBytes);
        return Read(stream);
    }

    /// <summary>Reads and checks safetensors content from the stream's position to its end.</summary>
    /// <param name="stream">A readable, seekable stream (its length bounds every size in the header).</param>
    /// <exception cref="ModelFormatException">The content is not a valid safetensors file.</exception>
    public static SafeTensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
            throw new ArgumentException("The stream must be readable and seekable.", nameof(stream));
        long start = stream.Position;
        var reader = new BoundedReader(stream, start, stream.Length);
        if (reader.Remaining < 8)
            throw new ModelFormatException($"The file is {reader.Remaining} bytes long; a safetensors file starts with an 8-byte header length.");
        ulong headerLength = reader.ReadUInt64("header length");
        if (headerLength > (ulong)MaxHeaderBytes || (long)headerLength > reader.Remaining)
            throw new ModelFormatException(
                $"The header length at offset 0 is {headerLength}; it must be at most {MaxHeaderBytes} and at most the {reader.Remaining} bytes that follow.");
        var json = new byte[headerLength];
        reader.ReadBytes(json, "JSON header");
        var (entries, metadata) = SafeTensorsHeader.Parse(json, reader.Remaining);
        var tensors = new SafeTensor[entries.Length];
        var chunk = new byte[ChunkBytes];
        for (int i = 0; i < entries.Length; i++) tensors[i] = ReadTensor(reader, entries[i], chunk);
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>Saves the tensors as F32 atomically: the target is either the old file or the complete new one.</summary>
    /// <param name="path">The file to create or replace.</param>
    public void Save(string path) => AtomicFile.Write(path, Write);

    /// <summary>Writes the tensors as F32 to <paramref name="stream"/> at its position.</summary>
    /// <param name="stream">A writable stream.</param>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = BuildHeader();
        var writer = new LittleEndianWriter(stream);
        writer.WriteUInt64((ulong)header.Length);
        writer.WriteBytes(header);
        foreach (var tensor in Tensors) writer.WriteArray<float>(tensor.Values);
    }

    internal static int SizeOf(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F64 => 8,
        SafeTensorDType.F32 => 4,
        _ => 2,
    };

    private byte[] BuildHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in Metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in Tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += 4L * tensor.Values.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (buffer.WrittenCount + 7) & ~7;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static SafeTensor ReadTensor(BoundedReader reader, SafeTensorsHeader.Entry entry, byte[] chunk)
    {
        int size = SizeOf(entry.DType);
        var values = new float[entry.Count];
        // Chunks hold whole elements, so no element straddles two reads.
        int elementsPerChunk = chunk.Length / size;
        for (int done = 0; done < values.Length;)
        {
            int n = Math.Min(elementsPerChunk, values.Length - done);
            var bytes = chunk.AsSpan(0, n * size);
            reader.ReadBytes(bytes, "data of tensor '" + entry.Name + "'");
            Convert(entry.DType, bytes, values.AsSpan(done, n));
            done += n;
        }
        return new SafeTensor(entry.Name, entry.Shape, values, entry.DType);
    }

    // One loop per dtype: the dtype is chosen once per chunk, not once per element.
    private static void Convert(SafeTensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorDType.F32:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                break;
            case SafeTensorDType.F64:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                break;
            case SafeTensorDType.F16:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                break;
            default:
                // bfloat16 is the upper half of a binary32, so widening is a shift.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
        }
    }
}
