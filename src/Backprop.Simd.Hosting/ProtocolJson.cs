using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Hosting;

/// <summary>The JSON answers of the Open Inference Protocol v2, written with <see cref="Utf8JsonWriter"/> into the response.</summary>
internal static class ProtocolJson
{
    public const string Platform = "backprop-simd";
    public const string OutputName = InferRequestParser.OutputName;

    /// <summary>The binary tensor extension's header: the length in bytes of the JSON that opens the body.</summary>
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    // Answers are application/json, never HTML, so quotes in a message are written as \" rather than \u0022.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Where an idle writer points, so that it holds no response's pipe.
    private static readonly ArrayBufferWriter<byte> Detached = new(1);

    // One writer per thread, reset onto each answer's target, rather than one allocated per answer; answers are written
    // synchronously, so a thread never needs two at once.
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static Utf8JsonWriter Writer(IBufferWriter<byte> target)
    {
        Utf8JsonWriter? writer = t_writer;
        if (writer is null) t_writer = writer = new Utf8JsonWriter(target, Options);
        else writer.Reset(target);
        return writer;
    }

    private static void Finish(Utf8JsonWriter writer)
    {
        writer.Flush();
        writer.Reset(Detached);
    }

    public static void WriteError(IBufferWriter<byte> target, string message)
    {
        Utf8JsonWriter writer = Writer(target);
        writer.WriteStartObject();
        writer.WriteString("error"u8, message);
        writer.WriteEndObject();
        Finish(writer);
    }

    // { "name", "versions", "platform", "inputs": [{ "name", "datatype", "shape": [-1, in] }], "outputs": [...] }
    public static void WriteMetadata(IBufferWriter<byte> target, ServedModel model)
    {
        Utf8JsonWriter writer = Writer(target);
        writer.WriteStartObject();
        writer.WriteString("name"u8, model.Name);
        writer.WriteStartArray("versions"u8);
        writer.WriteStringValue("1"u8);
        writer.WriteEndArray();
        writer.WriteString("platform"u8, Platform);
        writer.WriteStartArray("inputs"u8);
        WriteTensorMetadata(writer, InferRequestParser.InputName, model.InputSize);
        writer.WriteEndArray();
        writer.WriteStartArray("outputs"u8);
        WriteTensorMetadata(writer, OutputName, model.OutputSize);
        writer.WriteEndArray();
        writer.WriteEndObject();
        Finish(writer);
    }

    // { "model_name", "model_version", "id"?, "outputs": [{ "name", "datatype", "shape": [rows, out], "data": [...] }] };
    // with binaryData, "parameters": { "binary_data_size": bytes } instead of "data", the bytes following the JSON.
    public static void WriteInferResponse(IBufferWriter<byte> target, ServedModel model, string? id, ReadOnlySpan2D<float> outputs, bool binaryData)
    {
        Utf8JsonWriter writer = Writer(target);
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, model.Name);
        writer.WriteString("model_version"u8, "1"u8);
        if (id is not null) writer.WriteString("id"u8, id);
        writer.WriteStartArray("outputs"u8);
        writer.WriteStartObject();
        writer.WriteString("name"u8, OutputName);
        writer.WriteString("datatype"u8, "FP32"u8);
        writer.WriteStartArray("shape"u8);
        writer.WriteNumberValue(outputs.Height);
        writer.WriteNumberValue(outputs.Width);
        writer.WriteEndArray();
        if (binaryData)
        {
            writer.WriteStartObject("parameters"u8);
            writer.WriteNumber("binary_data_size"u8, (long)outputs.Height * outputs.Width * sizeof(float));
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStartArray("data"u8);
            for (int row = 0; row < outputs.Height; row++)
                foreach (float value in outputs.GetRowSpan(row)) writer.WriteNumberValue(value);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        Finish(writer);
    }

    private static void WriteTensorMetadata(Utf8JsonWriter writer, string name, int width)
    {
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        writer.WriteString("datatype"u8, "FP32"u8);
        writer.WriteStartArray("shape"u8);
        writer.WriteNumberValue(-1); // any number of rows
        writer.WriteNumberValue(width);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
