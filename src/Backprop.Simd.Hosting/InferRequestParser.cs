using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Backprop.Simd.Hosting;

/// <summary>
/// Reads an Open Inference Protocol v2 infer request (<c>{"inputs":[{"name","shape","datatype","data"}]}</c>) with a
/// <see cref="Utf8JsonReader"/> straight into a pooled float buffer: no object graph, no boxed numbers. <c>data</c> may
/// be flat (row-major) or nested to any depth the reader allows. With the binary tensor extension the JSON header is
/// the body's first <c>Inference-Header-Content-Length</c> bytes, the input says <c>"parameters":{"binary_data_size":N}</c>
/// instead of <c>data</c>, and its N bytes of little-endian FP32 follow the header, copied into the buffer as they are.
/// The answer is binary when the output asks with <c>"parameters":{"binary_data":true}</c>, or the request with
/// <c>"parameters":{"binary_data_output":true}</c> and the output does not say otherwise. Other members are skipped.
/// Every refusal is an <see cref="InferRequestException"/> naming the problem, or a <see cref="JsonException"/> for a
/// header that is not JSON.
/// </summary>
internal static class InferRequestParser
{
    /// <summary>The name of the model's one input tensor, as its metadata declares it.</summary>
    public const string InputName = "input";

    /// <summary>The name of the model's one output tensor.</summary>
    public const string OutputName = "output";

    /// <param name="body">The whole request body.</param>
    /// <param name="features">The model's input width.</param>
    /// <param name="maxRows">The most rows a request may hold.</param>
    /// <param name="headerLength">The <c>Inference-Header-Content-Length</c> header: how many of the body's bytes are
    /// JSON, the rest being binary tensor data; null when the request has no such header (all JSON).</param>
    /// <exception cref="InferRequestException">The request is not a one-input FP32 <c>[rows, features]</c> tensor within the limits.</exception>
    /// <exception cref="JsonException">The JSON header is not well-formed JSON.</exception>
    public static InferRequest Parse(ReadOnlySpan<byte> body, int features, int maxRows, long? headerLength = null)
    {
        if (headerLength is < 0 || headerLength > body.Length)
            throw Bad("Inference-Header-Content-Length " + Invariant(headerLength.Value) + " is beyond the body's " + Invariant(body.Length) + " bytes");
        ReadOnlySpan<byte> json = headerLength is { } length ? body[..(int)length] : body;
        ReadOnlySpan<byte> binary = body[json.Length..];
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("the request must be a JSON object");
        // A JSON number takes at least one digit and a comma, a binary one four bytes, so the body bounds the count
        // before the shape is known.
        int capacity = (int)Math.Min((long)maxRows * features, Math.Max((json.Length + 1L) / 2, binary.Length / sizeof(float)));
        float[] values = RequestBuffers<float>.Rent(Math.Max(capacity, 1));
        try
        {
            string? id = null;
            bool? binaryOutput = null, binaryDataOutput = null;
            var input = new InputTensor
            {
                Values = values, Capacity = capacity, MaxValues = (long)maxRows * features, Features = features, MaxRows = maxRows,
            };
            int inputCount = 0;
            while (ReadMember(ref reader))
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    Read(ref reader);
                    if (reader.TokenType != JsonTokenType.String) throw Bad("\"id\" must be a string");
                    id = reader.GetString();
                }
                else if (reader.ValueTextEquals("inputs"u8))
                {
                    Read(ref reader);
                    if (reader.TokenType != JsonTokenType.StartArray) throw Bad("\"inputs\" must be an array of tensors");
                    while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (++inputCount > 1) throw Bad("the model takes one input tensor, \"" + InputName + "\"; the request has more");
                        ReadInput(ref reader, ref input);
                    }
                }
                else if (reader.ValueTextEquals("outputs"u8)) binaryOutput = ReadOutputs(ref reader);
                else if (reader.ValueTextEquals("parameters"u8)) binaryDataOutput = ReadParameters(ref reader, "binary_data_output"u8);
                else Skip(ref reader);
            }
            // Anything after the root object is malformed: the reader throws on it.
            if (reader.Read()) throw new JsonException("The request has more than one JSON value.");
            if (inputCount == 0) throw Bad("the request has no \"inputs\"; the model takes one tensor, \"" + InputName + "\"");
            int rows = input.Validate();
            if (input.HasBinarySize) CopyBinary(binary, headerLength is not null, ref input);
            else if (!binary.IsEmpty)
                throw Bad(Invariant(binary.Length) + " bytes follow the JSON header, but no input says \"binary_data_size\"");
            return new InferRequest(id, values, rows, features, binaryOutput ?? binaryDataOutput ?? false);
        }
        catch
        {
            RequestBuffers<float>.Return(values);
            throw;
        }
    }

    private static void ReadInput(ref Utf8JsonReader reader, ref InputTensor input)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("each of \"inputs\" must be a tensor object");
        while (ReadMember(ref reader))
        {
            if (reader.ValueTextEquals("name"u8))
            {
                Read(ref reader);
                if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals(InputName))
                    throw Bad("unknown input " + Quote(ref reader) + "; the model's input is \"" + InputName + "\"");
                input.HasName = true;
            }
            else if (reader.ValueTextEquals("datatype"u8))
            {
                Read(ref reader);
                if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("FP32"u8))
                    throw Bad("datatype " + Quote(ref reader) + " is not supported; the model takes \"FP32\"");
                input.HasDatatype = true;
            }
            else if (reader.ValueTextEquals("shape"u8)) ReadShape(ref reader, ref input);
            else if (reader.ValueTextEquals("data"u8))
            {
                Read(ref reader);
                if (reader.TokenType != JsonTokenType.StartArray) throw Bad("\"data\" must be an array of numbers");
                ReadData(ref reader, ref input);
                input.HasData = true;
            }
            else if (reader.ValueTextEquals("parameters"u8)) ReadInputParameters(ref reader, ref input);
            else Skip(ref reader);
        }
    }

    // "parameters": { "binary_data_size": bytes, ... }: the input's data follows the JSON header, raw.
    private static void ReadInputParameters(ref Utf8JsonReader reader, ref InputTensor input)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("the input's \"parameters\" must be an object");
        while (ReadMember(ref reader))
        {
            if (reader.ValueTextEquals("binary_data_size"u8))
            {
                Read(ref reader);
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long bytes) || bytes < 0)
                    throw Bad("\"binary_data_size\" must be a non-negative 64-bit integer");
                input.BinarySize = bytes;
                input.HasBinarySize = true;
            }
            else Skip(ref reader);
        }
    }

    // "outputs": [{ "name": "output", "parameters": { "binary_data": bool } }]: the output's own choice, if it makes one.
    private static bool? ReadOutputs(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad("\"outputs\" must be an array of requested outputs");
        bool? binary = null;
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw Bad("each of \"outputs\" must be an object");
            while (ReadMember(ref reader))
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    Read(ref reader);
                    if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals(OutputName))
                        throw Bad("unknown output " + Quote(ref reader) + "; the model's output is \"" + OutputName + "\"");
                }
                else if (reader.ValueTextEquals("parameters"u8)) binary = ReadParameters(ref reader, "binary_data"u8) ?? binary;
                else Skip(ref reader);
            }
        }
        return binary;
    }

    // A "parameters" object whose one member of interest is the boolean named flag; null when it is absent.
    private static bool? ReadParameters(ref Utf8JsonReader reader, ReadOnlySpan<byte> flag)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("\"parameters\" must be an object");
        bool? value = null;
        while (ReadMember(ref reader))
        {
            if (reader.ValueTextEquals(flag))
            {
                Read(ref reader);
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    throw Bad("\"" + System.Text.Encoding.UTF8.GetString(flag) + "\" must be true or false");
                value = reader.TokenType == JsonTokenType.True;
            }
            else Skip(ref reader);
        }
        return value;
    }

    // The raw little-endian FP32 bytes after the header, copied as they are; only their finiteness is checked.
    private static void CopyBinary(ReadOnlySpan<byte> binary, bool hasHeaderLength, ref InputTensor input)
    {
        if (!hasHeaderLength) throw Bad("\"binary_data_size\" needs the Inference-Header-Content-Length header to say where the JSON ends");
        long needed = input.ShapeRows * input.ShapeColumns * sizeof(float);
        if (input.BinarySize != needed)
            throw Bad("\"binary_data_size\" is " + Invariant(input.BinarySize) + " bytes; shape [" + Invariant(input.ShapeRows) + ", "
                + Invariant(input.ShapeColumns) + "] of FP32 needs " + Invariant(needed));
        if (binary.Length != needed)
            throw Bad(Invariant(binary.Length) + " bytes follow the JSON header; \"binary_data_size\" says " + Invariant(needed));
        Span<float> values = input.Values.AsSpan(0, (int)(needed / sizeof(float)));
        ReadOnlySpan<float> raw = MemoryMarshal.Cast<byte, float>(binary);
        if (BitConverter.IsLittleEndian) raw.CopyTo(values);
        else
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(binary[(i * sizeof(float))..]);
        int bad = FiniteFloats.IndexOfNonFinite(values);
        if (bad >= 0) throw Bad("binary data[" + Invariant(bad) + "] is not a finite FP32 number (NaN and Infinity are refused)");
        input.Count = values.Length;
    }

    private static void ReadShape(ref Utf8JsonReader reader, ref InputTensor input)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad("\"shape\" must be an array of integers");
        input.Rank = 0;
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long dimension) || dimension < 0)
                throw Bad("\"shape\" must hold non-negative integers");
            if (input.Rank == 0) input.ShapeRows = dimension;
            else if (input.Rank == 1) input.ShapeColumns = dimension;
            input.Rank++;
        }
        // Checked as soon as it is read, so a request over the row limit is named as such before its data is stored.
        input.CheckShape();
    }

    // Flattens nested arrays row-major: [[a, b], [c, d]] and [a, b, c, d] give the same tensor.
    private static void ReadData(ref Utf8JsonReader reader, ref InputTensor input)
    {
        int depth = 1;
        while (depth > 0)
        {
            Read(ref reader);
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray: depth++; break;
                case JsonTokenType.EndArray: depth--; break;
                case JsonTokenType.Number:
                    if (input.Count == input.Capacity)
                        throw Bad("\"data\" has more than " + input.MaxValues.ToString(CultureInfo.InvariantCulture)
                            + " values (the request limit of rows × features)");
                    if (!reader.TryGetSingle(out float value) || !float.IsFinite(value))
                        throw Bad("data[" + input.Count.ToString(CultureInfo.InvariantCulture) + "] is not a finite FP32 number");
                    input.Values[input.Count++] = value;
                    break;
                case JsonTokenType.String:
                    throw Bad("data[" + input.Count.ToString(CultureInfo.InvariantCulture)
                        + "] is a string; FP32 data must be finite JSON numbers (NaN and Infinity are refused)");
                default:
                    throw Bad("data[" + input.Count.ToString(CultureInfo.InvariantCulture) + "] is not a number");
            }
        }
    }

    private static bool ReadMember(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    private static bool Read(ref Utf8JsonReader reader) =>
        reader.Read() ? true : throw new JsonException("The JSON ends early.");

    private static void Skip(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        reader.Skip();
    }

    private static string Quote(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? Bounded(reader.GetString() ?? "") : "(not a string)";

    // A client's string is echoed in the error: bounded, so a hostile name cannot make the answer megabytes long.
    private static string Bounded(string text) =>
        "\"" + (text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…")) + "\"";

    private static InferRequestException Bad(string message) => InferRequestException.BadRequest(message);

    private struct InputTensor
    {
        public float[] Values;
        public int Capacity;
        public long MaxValues;
        public int Features, MaxRows;
        public int Count;
        public int Rank;
        public long ShapeRows, ShapeColumns;
        public long BinarySize;
        public bool HasName, HasDatatype, HasData, HasBinarySize;

        public readonly int Validate()
        {
            if (!HasName) throw Bad("the input tensor has no \"name\"; the model's input is \"" + InputName + "\"");
            if (!HasDatatype) throw Bad("the input tensor has no \"datatype\"; the model takes \"FP32\"");
            if (Rank == 0) throw Bad("the input tensor has no \"shape\"; the model takes [rows, " + Invariant(Features) + "]");
            if (HasData && HasBinarySize) throw Bad("the input tensor has both \"data\" and \"binary_data_size\"; send one");
            if (!HasData && !HasBinarySize) throw Bad("the input tensor has no \"data\" (nor \"binary_data_size\")");
            CheckShape();
            if (HasData && Count != ShapeRows * ShapeColumns)
                throw Bad("\"data\" has " + Invariant(Count) + " values; shape [" + Invariant(ShapeRows) + ", "
                    + Invariant(ShapeColumns) + "] needs " + Invariant(ShapeRows * ShapeColumns));
            return (int)ShapeRows;
        }

        public readonly void CheckShape()
        {
            int features = Features, maxRows = MaxRows;
            if (Rank != 2)
                throw Bad("shape has " + Invariant(Rank) + " dimensions; the model takes [rows, " + Invariant(features) + "]");
            if (ShapeColumns != features)
                throw Bad("shape [" + Invariant(ShapeRows) + ", " + Invariant(ShapeColumns) + "] has " + Invariant(ShapeColumns)
                    + " features; the model takes " + Invariant(features));
            if (ShapeRows == 0) throw Bad("shape has 0 rows; a request needs at least one");
            if (ShapeRows > maxRows)
                throw Bad("shape has " + Invariant(ShapeRows) + " rows; this server takes at most " + Invariant(maxRows) + " per request");
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
