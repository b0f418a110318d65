using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Hosting;

/// <summary>
/// An infer answer in the binary tensor extension's form: the JSON header (the output's <c>binary_data_size</c> in place
/// of <c>data</c>), then the outputs as raw little-endian FP32, with <c>Inference-Header-Content-Length</c> giving the
/// header's length. The header is written to a per-thread buffer first, because its length must be sent before the body.
/// </summary>
internal static class BinaryAnswer
{
    public const string ContentType = "application/octet-stream";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_header;

    public static void Write(HttpResponse response, ServedModel model, string? id, ReadOnlySpan2D<float> outputs)
    {
        ArrayBufferWriter<byte> header = t_header ??= new ArrayBufferWriter<byte>(512);
        header.ResetWrittenCount();
        ProtocolJson.WriteInferResponse(header, model, id, outputs, binaryData: true);
        int dataBytes = outputs.Height * outputs.Width * sizeof(float);
        response.ContentType = ContentType;
        response.Headers[ProtocolJson.HeaderLengthHeader] = header.WrittenCount.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = header.WrittenCount + dataBytes;
        response.BodyWriter.Write(header.WrittenSpan);
        Span<byte> data = response.BodyWriter.GetSpan(dataBytes)[..dataBytes];
        for (int row = 0; row < outputs.Height; row++)
        {
            Span<byte> target = data.Slice(row * outputs.Width * sizeof(float), outputs.Width * sizeof(float));
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(outputs.GetRowSpan(row)).CopyTo(target);
            else
            {
                ReadOnlySpan<float> values = outputs.GetRowSpan(row);
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(target[(i * sizeof(float))..], values[i]);
            }
        }
        response.BodyWriter.Advance(dataBytes);
    }
}
