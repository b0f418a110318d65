using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Text;
using Backprop.Simd.Model;

namespace Backprop.Simd.IO;

/// <summary>
/// The library's own model file: a versioned little-endian header with the architecture, the flat parameter block,
/// optional optimizer and RNG state, training counters, metadata, and an XxHash64 checksum over all of it.
/// </summary>
/// <remarks>
/// <para>Layout of format version 1 (all integers little-endian, offsets in bytes):</para>
/// <code>
///  0  8   magic "BPSMODEL"
///  8  u32 format version (1)
/// 12  u8  element type (1 = float32, 2 = float64)
/// 13  u8  loss (LossKind)
/// 14  u16 flags: bit 0 optimizer state present, bit 1 RNG state present; other bits 0
/// 16  u32 input size
/// 20  u32 layer count L
/// 24  u64 parameter count P
/// 32  u64 epoch
/// 40  u64 step
/// 48  L × { u32 units, u32 activation (ActivationKind), f64 activation parameter }
///     P elements: the parameter block
///     [optimizer] u8 kind length, kind (UTF-8), u64 step count, u32 H, H × { u8 name length, name, f64 value },
///                 u32 B, B × P elements
///     [rng]       u32 R, R × u64
///     u32 M, M × { u32 key length, key (UTF-8), u32 value length, value (UTF-8) }
///     u64 XxHash64 (seed 0) of every byte before it
/// </code>
/// <para>Parameter values, including NaN and infinities, are stored bit-exactly: a checkpoint reproduces what was
/// saved, and the checksum, not a range check, guards against corruption. Activation parameters must be finite.</para>
/// </remarks>
public static class NativeModelFormat
{
    /// <summary>The version this library writes and the only one it reads.</summary>
    public const uint FormatVersion = 1;

    /// <summary>The most layers a file may describe.</summary>
    public const int MaxLayers = 4096;

    /// <summary>The most metadata entries a file may hold.</summary>
    public const int MaxMetadataEntries = 65536;

    /// <summary>The longest metadata key or value, in UTF-8 bytes.</summary>
    public const int MaxMetadataStringBytes = 64 << 20;

    /// <summary>The most RNG state words a file may hold.</summary>
    public const int MaxRngStateWords = 256;

    internal const int HeaderBytes = 48;
    internal const int LayerBytes = 16;
    internal const int ChecksumBytes = 8;
    private const ushort OptimizerFlag = 1, RngFlag = 2;
    private static readonly byte[] Magic = "BPSMODEL"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> atomically: the target is either the old file or the complete new one.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="model">The model to save.</param>
    public static void Save(string path, ModelDescription model) => Save(path, model, createTemporary: null);

    /// <summary>The saver with a seam for the temporary file's stream, so tests can fail the write at any byte.</summary>
    internal static void Save(string path, ModelDescription model, Func<string, Stream>? createTemporary)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, stream => Write(stream, model), createTemporary);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/> at its current position.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="model">The model to write.</param>
    public static void Write(Stream stream, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        switch (model)
        {
            case ModelDescription<float> single: WriteCore(stream, single); break;
            case ModelDescription<double> dual: WriteCore(stream, dual); break;
            default: throw new ArgumentException($"Unsupported model element type {model.ElementType}.", nameof(model));
        }
    }

    /// <summary>Loads a model file, checking everything (see <see cref="Read(Stream)"/>).</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ModelFormatException">The file is not a valid model file; the message says what and where.</exception>
    public static ModelDescription Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(stream);
    }

    /// <summary>Loads a model file and converts its parameters to <typeparamref name="T"/> when stored otherwise.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ModelFormatException">The file is not a valid model file.</exception>
    public static ModelDescription<T> Load<T>(string path)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Load(path) switch
        {
            ModelDescription<float> single => single.ConvertTo<T>(),
            ModelDescription<double> dual => dual.ConvertTo<T>(),
            var other => throw new ModelFormatException($"Unsupported element type {other.ElementType}."),
        };

    /// <summary>
    /// Reads a model from <paramref name="stream"/>, from its current position to its end. The magic and version are
    /// checked first, then the checksum over the whole content, then every field against the bytes that remain.
    /// </summary>
    /// <param name="stream">A readable, seekable stream (the checksum is verified in a first pass).</param>
    /// <exception cref="ModelFormatException">The content is not a valid model file; the message says what and where.</exception>
    public static ModelDescription Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
            throw new ArgumentException("The stream must be readable and seekable.", nameof(stream));
        long start = stream.Position, length = stream.Length - start;
        CheckMagicAndVersion(stream, length);
        if (length < HeaderBytes + ChecksumBytes)
            throw new ModelFormatException(
                $"The file is {length} bytes long; a model file has at least {HeaderBytes + ChecksumBytes} (header and checksum).");
        VerifyChecksum(stream, start, length);
        stream.Position = start;
        var reader = new BoundedReader(stream, start, stream.Length - ChecksumBytes);
        reader.ReadBytes(stackalloc byte[12], "magic and version");
        byte elementType = reader.ReadByte("element type");
        return elementType switch
        {
            (byte)ModelElementType.Float32 => ReadBody<float>(reader),
            (byte)ModelElementType.Float64 => ReadBody<double>(reader),
            _ => throw new ModelFormatException($"Unknown element type {elementType} at offset 12; expected 1 (float32) or 2 (float64)."),
        };
    }

    private static void CheckMagicAndVersion(Stream stream, long length)
    {
        Span<byte> head = stackalloc byte[12];
        int available = (int)Math.Min(length, head.Length);
        stream.ReadExactly(head[..available]);
        if (available < Magic.Length || !head[..Magic.Length].SequenceEqual(Magic))
            throw new ModelFormatException("Not a Backprop.Simd model file: the first 8 bytes are not the magic \"BPSMODEL\".");
        if (available < 12)
            throw new ModelFormatException($"The file is {length} bytes long; it ends inside the format version at offset 8.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (version != FormatVersion)
            throw new ModelFormatException($"Unsupported format version {version} at offset 8; this library reads version {FormatVersion}.");
    }

    private static void VerifyChecksum(Stream stream, long start, long length)
    {
        stream.Position = start;
        var hash = new XxHash64();
        var buffer = new byte[1 << 16];
        for (long left = length - ChecksumBytes; left > 0;)
        {
            int chunk = (int)Math.Min(left, buffer.Length);
            stream.ReadExactly(buffer, 0, chunk);
            hash.Append(buffer.AsSpan(0, chunk));
            left -= chunk;
        }
        Span<byte> stored = stackalloc byte[ChecksumBytes];
        stream.ReadExactly(stored);
        ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(stored), actual = hash.GetCurrentHashAsUInt64();
        if (expected != actual)
            throw new ModelFormatException(
                $"Checksum mismatch: the file stores 0x{expected:x16} at offset {length - ChecksumBytes} but its content hashes to 0x{actual:x16}; the file is corrupt or truncated.");
    }

    private static ModelDescription<T> ReadBody<T>(BoundedReader reader)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        byte lossCode = reader.ReadByte("loss");
        if (!Enum.IsDefined((LossKind)lossCode))
            throw new ModelFormatException($"Unknown loss kind {lossCode} at offset 13.");
        ushort flags = reader.ReadUInt16("flags");
        if ((flags & ~(OptimizerFlag | RngFlag)) != 0)
            throw new ModelFormatException($"Unknown flags 0x{flags:x4} at offset 14.");
        int inputSize = reader.ReadCount32("input size", 1, int.MaxValue);
        int layerCount = reader.ReadCount32("layer count", 1, MaxLayers);
        long parameterCountAt = reader.Offset;
        ulong storedParameterCount = reader.ReadUInt64("parameter count");
        long epoch = ReadCounter(reader, "epoch");
        long step = ReadCounter(reader, "step");

        reader.Require((long)layerCount * LayerBytes, "layer table");
        var layers = new Dense[layerCount];
        for (int i = 0; i < layerCount; i++) layers[i] = ReadLayer(reader, i);
        int parameterCount;
        try
        {
            parameterCount = ModelDescription.CountParameters(inputSize, layers);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"The architecture in the header is invalid: {e.Message}", e);
        }
        if (storedParameterCount != (ulong)parameterCount)
            throw new ModelFormatException(
                $"The parameter count at offset {parameterCountAt} is {storedParameterCount} but the architecture needs {parameterCount}.");

        var parameters = reader.ReadArray<T>(parameterCount, "parameter block");
        var optimizer = (flags & OptimizerFlag) != 0 ? ReadOptimizer<T>(reader, parameterCount) : null;
        var rngState = (flags & RngFlag) != 0
            ? reader.ReadArray<ulong>(reader.ReadCount32("RNG word count", 0, MaxRngStateWords), "RNG state")
            : null;
        var metadata = ReadMetadata(reader);
        if (reader.Remaining != 0)
            throw new ModelFormatException($"{reader.Remaining} unexpected bytes after the metadata at offset {reader.Offset}.");
        try
        {
            return new ModelDescription<T>(inputSize, layers, (LossKind)lossCode, parameters, optimizer, epoch, step, rngState, metadata);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"The file's content is inconsistent: {e.Message}", e);
        }
    }

    private static long ReadCounter(BoundedReader reader, string field)
    {
        long at = reader.Offset;
        ulong value = reader.ReadUInt64(field);
        return value <= long.MaxValue ? (long)value
            : throw new ModelFormatException($"The {field} counter at offset {at} is {value}, beyond {long.MaxValue}.");
    }

    private static Dense ReadLayer(BoundedReader reader, int index)
    {
        long at = reader.Offset;
        int units = reader.ReadCount32("layer units", 1, int.MaxValue);
        uint kind = reader.ReadUInt32("activation kind");
        double parameter = reader.ReadDouble("activation parameter");
        if (kind > int.MaxValue || !Enum.IsDefined((ActivationKind)kind))
            throw new ModelFormatException($"Layer {index} at offset {at} has unknown activation kind {kind}.");
        if (!double.IsFinite(parameter))
            throw new ModelFormatException($"Layer {index} at offset {at} has a non-finite activation parameter {parameter}.");
        return new Dense(units, new Activation((ActivationKind)kind, parameter));
    }

    private static OptimizerStateDescription<T> ReadOptimizer<T>(BoundedReader reader, int parameterCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string kind = ReadName(reader, "optimizer kind");
        long stepCount = ReadCounter(reader, "optimizer step");
        int hyperCount = reader.ReadCount32("hyper-parameter count", 0, OptimizerStateDescription<T>.MaxHyperParameters);
        var hyperParameters = new Dictionary<string, double>(hyperCount, StringComparer.Ordinal);
        for (int i = 0; i < hyperCount; i++)
        {
            long at = reader.Offset;
            string name = ReadName(reader, "hyper-parameter name");
            if (!hyperParameters.TryAdd(name, reader.ReadDouble("hyper-parameter value")))
                throw new ModelFormatException($"Hyper-parameter '{name}' at offset {at} appears twice.");
        }
        int bufferCount = reader.ReadCount32("optimizer buffer count", 0, OptimizerStateDescription<T>.MaxBuffers);
        var buffers = new T[bufferCount][];
        for (int i = 0; i < bufferCount; i++) buffers[i] = reader.ReadArray<T>(parameterCount, "optimizer buffer");
        try
        {
            return new OptimizerStateDescription<T>(kind, hyperParameters, stepCount, buffers);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"The optimizer state is inconsistent: {e.Message}", e);
        }
    }

    private static string ReadName(BoundedReader reader, string field)
    {
        long at = reader.Offset;
        byte length = reader.ReadByte(field + " length");
        if (length == 0) throw new ModelFormatException($"The {field} at offset {at} is empty.");
        return reader.ReadUtf8(length, field);
    }

    private static Dictionary<string, string> ReadMetadata(BoundedReader reader)
    {
        int count = reader.ReadCount32("metadata entry count", 0, MaxMetadataEntries);
        // Each entry takes at least 8 bytes, so a hostile count cannot make the dictionary large.
        reader.Require(8L * count, "metadata entries");
        var metadata = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            long at = reader.Offset;
            string key = reader.ReadUtf8(reader.ReadCount32("metadata key length", 0, MaxMetadataStringBytes), "metadata key");
            string value = reader.ReadUtf8(reader.ReadCount32("metadata value length", 0, MaxMetadataStringBytes), "metadata value");
            if (!metadata.TryAdd(key, value))
                throw new ModelFormatException($"Metadata key '{key}' at offset {at} appears twice.");
        }
        return metadata;
    }

    private static void WriteCore<T>(Stream stream, ModelDescription<T> model)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckWithinLimits(model);
        var writer = new LittleEndianWriter(stream);
        writer.WriteBytes(Magic);
        writer.WriteUInt32(FormatVersion);
        writer.WriteByte((byte)model.ElementType);
        writer.WriteByte((byte)model.Loss);
        writer.WriteUInt16((ushort)((model.HasOptimizerState ? OptimizerFlag : 0) | (model.RngState.Count > 0 ? RngFlag : 0)));
        writer.WriteUInt32((uint)model.InputSize);
        writer.WriteUInt32((uint)model.Layers.Count);
        writer.WriteUInt64((ulong)model.ParameterCount);
        writer.WriteUInt64((ulong)model.Epoch);
        writer.WriteUInt64((ulong)model.Step);
        foreach (var layer in model.Layers)
        {
            writer.WriteUInt32((uint)layer.Units);
            writer.WriteUInt32((uint)layer.Activation.Kind);
            writer.WriteDouble(layer.Activation.Parameter);
        }
        writer.WriteArray<T>(model.Parameters);
        if (model.Optimizer is { } optimizer)
        {
            WriteName(writer, optimizer.Kind);
            writer.WriteUInt64((ulong)optimizer.StepCount);
            writer.WriteUInt32((uint)optimizer.HyperParameters.Count);
            foreach (string name in SortedKeys(optimizer.HyperParameters))
            {
                WriteName(writer, name);
                writer.WriteDouble(optimizer.HyperParameters[name]);
            }
            writer.WriteUInt32((uint)optimizer.Buffers.Count);
            foreach (var buffer in optimizer.Buffers) writer.WriteArray<T>(buffer);
        }
        if (model.RngState.Count > 0)
        {
            writer.WriteUInt32((uint)model.RngState.Count);
            foreach (ulong word in model.RngState) writer.WriteUInt64(word);
        }
        writer.WriteUInt32((uint)model.Metadata.Count);
        foreach (string key in SortedKeys(model.Metadata))
        {
            WriteString32(writer, key);
            WriteString32(writer, model.Metadata[key]);
        }
        writer.WriteChecksum();
    }

    // Checked before the first byte is written, so a model the reader would refuse is never half written.
    private static void CheckWithinLimits(ModelDescription model)
    {
        if (model.Layers.Count > MaxLayers)
            throw new ArgumentException($"{model.Layers.Count} layers exceed the file limit of {MaxLayers}.", nameof(model));
        if (model.RngState.Count > MaxRngStateWords)
            throw new ArgumentException($"{model.RngState.Count} RNG state words exceed the file limit of {MaxRngStateWords}.", nameof(model));
        if (model.Metadata.Count > MaxMetadataEntries)
            throw new ArgumentException($"{model.Metadata.Count} metadata entries exceed the file limit of {MaxMetadataEntries}.", nameof(model));
        foreach (var (key, value) in model.Metadata)
        {
            // Strict encoding also rejects unpaired surrogates, which have no UTF-8 form.
            if (StrictUtf8.GetByteCount(key) > MaxMetadataStringBytes || StrictUtf8.GetByteCount(value) > MaxMetadataStringBytes)
                throw new ArgumentException($"Metadata '{key}' exceeds the file limit of {MaxMetadataStringBytes} UTF-8 bytes.", nameof(model));
        }
    }

    // Sorted so that equal models always produce identical bytes.
    private static string[] SortedKeys<TValue>(IReadOnlyDictionary<string, TValue> dictionary)
    {
        var keys = new string[dictionary.Count];
        int i = 0;
        foreach (string key in dictionary.Keys) keys[i++] = key;
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    private static void WriteName(LittleEndianWriter writer, string name)
    {
        byte[] bytes = StrictUtf8.GetBytes(name);
        writer.WriteByte((byte)bytes.Length);
        writer.WriteBytes(bytes);
    }

    private static void WriteString32(LittleEndianWriter writer, string text)
    {
        byte[] bytes = StrictUtf8.GetBytes(text);
        writer.WriteUInt32((uint)bytes.Length);
        writer.WriteBytes(bytes);
    }
}
