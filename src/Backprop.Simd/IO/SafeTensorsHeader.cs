using System.Text.Json;
using System.Text.Unicode;

namespace Backprop.Simd.IO;

/// <summary>
/// Parses and checks a safetensors JSON header against the size of the data section that follows it: known dtypes,
/// unique names, shapes whose byte size equals their offset range, and ranges that tile the data with no hole and no
/// overlap (as the reference implementation requires).
/// </summary>
internal static class SafeTensorsHeader
{
    // Root object → tensor object → shape array; anything deeper is not a safetensors header.
    private const int MaxJsonDepth = 4;
    private const int MaxRank = 32;

    internal readonly record struct Entry(string Name, SafeTensorDType DType, int[] Shape, long Count, long Begin, long End);

    public static (Entry[] Entries, Dictionary<string, string> Metadata) Parse(ReadOnlyMemory<byte> json, long dataLength)
    {
        // JsonDocument checks string contents only when they are read, and then throws InvalidOperationException.
        if (!Utf8.IsValid(json.Span))
            throw new ModelFormatException("The safetensors header is not valid UTF-8.");
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
            return Parse(document.RootElement, dataLength);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"The safetensors header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Valid UTF-8 may still escape a lone surrogate ("\ud800"), which no .NET string can be decoded from.
            throw new ModelFormatException("The safetensors header holds a string that is not valid Unicode (an escaped lone surrogate).", e);
        }
    }

    private static (Entry[], Dictionary<string, string>) Parse(JsonElement root, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"The safetensors header must be a JSON object, not {root.ValueKind}.");
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
                throw new ModelFormatException($"The safetensors header names '{property.Name}' twice.");
            if (property.Name == SafeTensorsFile.MetadataKey) metadata = ParseMetadata(property.Value);
            else entries.Add(ParseEntry(property.Name, property.Value));
        }
        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var entry in sorted)
        {
            if (entry.Begin != expected)
                throw new ModelFormatException(entry.Begin > expected
                    ? $"Tensor '{entry.Name}' starts at data offset {entry.Begin}, leaving a hole after offset {expected}."
                    : $"Tensor '{entry.Name}' starts at data offset {entry.Begin}, overlapping the tensor that ends at {expected}.");
            expected = entry.End;
        }
        if (expected != dataLength)
            throw new ModelFormatException($"The tensors cover {expected} bytes of data but the data section holds {dataLength}.");
        return (sorted, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"'{SafeTensorsFile.MetadataKey}' must be an object of strings, not {value.ValueKind}.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new ModelFormatException($"Metadata '{item.Name}' must be a string, not {item.Value.ValueKind}.");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new ModelFormatException($"Metadata key '{item.Name}' appears twice.");
        }
        return metadata;
    }

    private static Entry ParseEntry(string name, JsonElement value)
    {
        if (name.Length == 0) throw new ModelFormatException("A tensor has an empty name.");
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"Tensor '{name}' must be described by an object, not {value.ValueKind}.");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in value.EnumerateObject())
            if (!keys.Add(key.Name))
                throw new ModelFormatException($"Tensor '{name}' has '{key.Name}' twice.");
        var dtype = ParseDType(name, Property(name, value, "dtype", JsonValueKind.String).GetString()!);
        var shapeElement = Property(name, value, "shape", JsonValueKind.Array);
        int rank = shapeElement.GetArrayLength();
        if (rank > MaxRank) throw new ModelFormatException($"Tensor '{name}' has rank {rank}; at most {MaxRank} is supported.");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            long dimension = NonNegativeInteger(name, "shape", shapeElement[i]);
            if (dimension > int.MaxValue)
                throw new ModelFormatException($"Tensor '{name}' dimension {i} is {dimension}, beyond {int.MaxValue}.");
            shape[i] = (int)dimension;
            // Saturate instead of overflowing: any count above the data length is rejected below anyway.
            count = dimension == 0 ? 0 : count > long.MaxValue / dimension ? long.MaxValue : count * dimension;
        }
        var offsets = Property(name, value, "data_offsets", JsonValueKind.Array);
        if (offsets.GetArrayLength() != 2)
            throw new ModelFormatException($"Tensor '{name}' data_offsets must hold exactly two numbers [begin, end].");
        long begin = NonNegativeInteger(name, "data_offsets", offsets[0]);
        long end = NonNegativeInteger(name, "data_offsets", offsets[1]);
        if (end < begin)
            throw new ModelFormatException($"Tensor '{name}' data_offsets [{begin}, {end}] end before they begin.");
        int size = SafeTensorsFile.SizeOf(dtype);
        if (count > (end - begin) / size || count * size != end - begin)
            throw new ModelFormatException(
                $"Tensor '{name}' has shape [{string.Join(", ", shape)}] of {dtype} but data_offsets [{begin}, {end}] span {end - begin} bytes.");
        if (count > Array.MaxLength)
            throw new ModelFormatException($"Tensor '{name}' has {count} elements, beyond {Array.MaxLength}.");
        return new Entry(name, dtype, shape, count, begin, end);
    }

    private static JsonElement Property(string name, JsonElement tensor, string key, JsonValueKind kind)
    {
        if (!tensor.TryGetProperty(key, out var value))
            throw new ModelFormatException($"Tensor '{name}' has no '{key}'.");
        if (value.ValueKind != kind)
            throw new ModelFormatException($"Tensor '{name}' '{key}' must be {kind}, not {value.ValueKind}.");
        return value;
    }

    private static long NonNegativeInteger(string name, string key, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
            throw new ModelFormatException($"Tensor '{name}' '{key}' holds {element.GetRawText()}, not a non-negative 64-bit integer.");
        return value;
    }

    private static SafeTensorDType ParseDType(string name, string dtype) => dtype switch
    {
        "F32" => SafeTensorDType.F32,
        "F64" => SafeTensorDType.F64,
        "F16" => SafeTensorDType.F16,
        "BF16" => SafeTensorDType.BF16,
        _ => throw new ModelFormatException($"Tensor '{name}' has dtype '{dtype}'; only F32, F64, F16 and BF16 are supported."),
    };
}
