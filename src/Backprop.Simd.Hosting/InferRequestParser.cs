using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Backprop.Simd.Hosting;

/// <summary>
/// Reads an Open Inference Protocol v2 infer request (<c>{"inputs":[{"name","shape","datatype","data"}]}</c>) with a
/// <see cref="Utf8JsonReader"/> straight into a pooled float buffer: no object graph, no boxed numbers. <c>data</c> may
/// be flat (row-major) or nested to any depth the reader allows; unknown members (<c>parameters</c>, <c>outputs</c>) are
/// skipped. Every refusal is an <see cref="InferRequestException"/> naming the problem, or a <see cref="JsonException"/>
/// for text that is not JSON.
/// </summary>
internal static class InferRequestParser
{
    /// <summary>The name of the model's one input tensor, as its metadata declares it.</summary>
    public const string InputName = "input";

    private const int NoDimension = -1;

    /// <exception cref="InferRequestException">The request is not a one-input FP32 <c>[rows, features]</c> tensor within the limits.</exception>
    /// <exception cref="JsonException"><paramref name="json"/> is not well-formed JSON.</exception>
    public static InferRequest Parse(ReadOnlySpan<byte> json, int features, int maxRows)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("the request must be a JSON object");
        // A number takes at least one digit and a comma, so the body bounds the count before the shape is known.
        int capacity = (int)Math.Min((long)maxRows * features, (json.Length + 1L) / 2);
        float[] values = ArrayPool<float>.Shared.Rent(Math.Max(capacity, 1));
        try
        {
            string? id = null;
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
                else Skip(ref reader);
            }
            // Anything after the root object is malformed: the reader throws on it.
            if (reader.Read()) throw new JsonException("The request has more than one JSON value.");
            if (inputCount == 0) throw Bad("the request has no \"inputs\"; the model takes one tensor, \"" + InputName + "\"");
            int rows = input.Validate();
            return new InferRequest(id, values, rows, features);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(values);
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
            else Skip(ref reader);
        }
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
        public bool HasName, HasDatatype, HasData;

        public readonly int Validate()
        {
            if (!HasName) throw Bad("the input tensor has no \"name\"; the model's input is \"" + InputName + "\"");
            if (!HasDatatype) throw Bad("the input tensor has no \"datatype\"; the model takes \"FP32\"");
            if (Rank == 0) throw Bad("the input tensor has no \"shape\"; the model takes [rows, " + Invariant(Features) + "]");
            if (!HasData) throw Bad("the input tensor has no \"data\"");
            CheckShape();
            if (Count != ShapeRows * ShapeColumns)
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

        private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
