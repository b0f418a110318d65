using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Backprop.Simd.Hosting;

namespace Backprop.Simd.Tests.Serve;

/// <summary>The Open Inference Protocol v2 request parser: what it reads, and the message for each thing it refuses.</summary>
public class InferRequestParserTests
{
    private const int Features = 3, MaxRows = 4;

    private static InferRequest Parse(string json, int maxRows = MaxRows) =>
        InferRequestParser.Parse(Encoding.UTF8.GetBytes(json), Features, maxRows);

    private static string Tensor(string shape, string data, string datatype = "\"FP32\"", string name = "\"input\"") =>
        "{\"name\":" + name + ",\"shape\":" + shape + ",\"datatype\":" + datatype + ",\"data\":" + data + "}";

    private static string Request(string shape, string data, string datatype = "\"FP32\"", string name = "\"input\"") =>
        "{\"inputs\":[" + Tensor(shape, data, datatype, name) + "]}";

    private static void AssertRefused(string json, string expected, int maxRows = MaxRows)
    {
        var refused = Assert.Throws<InferRequestException>(() => Parse(json, maxRows));
        Assert.Equal(400, refused.StatusCode);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flat_and_nested_data_give_the_same_row_major_tensor()
    {
        using InferRequest flat = Parse(Request("[2,3]", "[1,2,3,4,5,6.5]"));
        using InferRequest nested = Parse(Request("[2,3]", "[[1,2,3],[4,5,6.5]]"));
        foreach (InferRequest request in new[] { flat, nested })
        {
            Assert.Equal(2, request.Rows);
            Assert.Equal(3, request.Columns);
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6.5f }, request.Inputs.ToArray().Cast<float>().ToArray());
        }
    }

    [Fact]
    public void Members_in_any_order_unknown_members_and_the_id_are_handled()
    {
        const string json = "{\"parameters\":{\"x\":[1,{\"y\":2}]},\"inputs\":[{\"data\":[0.5,-1,2],\"parameters\":{},"
            + "\"datatype\":\"FP32\",\"shape\":[1,3],\"name\":\"input\"}],\"outputs\":[{\"name\":\"output\"}],\"id\":\"r-7\"}";
        using InferRequest request = Parse(json);
        Assert.Equal("r-7", request.Id);
        Assert.Equal(new float[] { 0.5f, -1, 2 }, request.Inputs.ToArray().Cast<float>().ToArray());
    }

    [Fact]
    public void A_wrong_datatype_feature_count_rank_or_value_count_is_named()
    {
        AssertRefused(Request("[1,3]", "[1,2,3]", datatype: "\"INT32\""), "datatype \"INT32\" is not supported");
        AssertRefused(Request("[1,4]", "[1,2,3,4]"), "has 4 features; the model takes 3");
        AssertRefused(Request("[1,1,3]", "[1,2,3]"), "shape has 3 dimensions");
        AssertRefused(Request("[2,3]", "[1,2,3]"), "\"data\" has 3 values; shape [2, 3] needs 6");
        AssertRefused(Request("[0,3]", "[]"), "shape has 0 rows");
        AssertRefused(Request("[1,-3]", "[1,2,3]"), "non-negative integers");
        AssertRefused(Request("[1,3]", "[1,2,3]", name: "\"pixels\""), "unknown input \"pixels\"");
    }

    [Fact]
    public void More_rows_than_the_limit_are_refused_before_their_data_is_stored()
    {
        AssertRefused(Request("[5,3]", "[" + string.Join(',', Enumerable.Repeat("1", 15)) + "]"), "shape has 5 rows; this server takes at most 4");
        // Data first: the shape is not known yet, so the buffer's bound (rows × features) is what stops it.
        AssertRefused("{\"inputs\":[{\"data\":[" + string.Join(',', Enumerable.Repeat("1", 13)) + "],\"name\":\"input\"}]}",
            "more than 12 values");
    }

    [Fact]
    public void Non_finite_and_non_numeric_values_are_refused_with_their_index()
    {
        AssertRefused(Request("[1,3]", "[1,1e999,3]"), "data[1] is not a finite FP32 number");
        AssertRefused(Request("[1,3]", "[1,2,\"NaN\"]"), "data[2] is a string");
        AssertRefused(Request("[1,3]", "[1,null,3]"), "data[1] is not a number");
        Assert.ThrowsAny<JsonException>(() => Parse(Request("[1,3]", "[1,NaN,3]")));
    }

    [Fact]
    public void Missing_or_extra_tensors_and_members_are_named()
    {
        AssertRefused("{}", "the request has no \"inputs\"");
        AssertRefused("[1,2]", "must be a JSON object");
        AssertRefused("{\"inputs\":[" + Tensor("[1,3]", "[1,2,3]") + "," + Tensor("[1,3]", "[1,2,3]") + "]}",
            "the model takes one input tensor");
        AssertRefused("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"data\":[1,2,3]}]}", "no \"datatype\"");
        AssertRefused("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"data\":[1,2,3]}]}", "no \"shape\"");
        AssertRefused("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,3]}]}", "no \"data\"");
    }

    // The binary tensor extension: a JSON header of headerLength bytes, then the input's raw little-endian FP32.
    private static byte[] BinaryBody(string header, ReadOnlySpan<float> values)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var body = new byte[json.Length + values.Length * sizeof(float)];
        json.CopyTo(body, 0);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(json.Length + i * sizeof(float)), values[i]);
        return body;
    }

    private static string BinaryHeader(string shape, long bytes, string extra = "") =>
        "{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
        + bytes.ToString(CultureInfo.InvariantCulture) + "}" + extra + "}]}";

    private static InferRequest ParseBinary(string header, float[] values, long? headerLength = null) =>
        InferRequestParser.Parse(BinaryBody(header, values), Features, MaxRows, headerLength ?? Encoding.UTF8.GetByteCount(header));

    private static void AssertBinaryRefused(string header, float[] values, string expected, long? headerLength = null)
    {
        var refused = Assert.Throws<InferRequestException>(() => ParseBinary(header, values, headerLength));
        Assert.Equal(400, refused.StatusCode);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_data_after_the_header_gives_the_same_tensor_as_json()
    {
        float[] values = [1, 2, 3, 4, 5, 6.5f];
        using InferRequest binary = ParseBinary(BinaryHeader("[2,3]", 24), values);
        using InferRequest json = Parse(Request("[2,3]", "[1,2,3,4,5,6.5]"));
        Assert.Equal(values, binary.Inputs.ToArray().Cast<float>().ToArray());
        Assert.Equal(json.Inputs.ToArray().Cast<float>().ToArray(), binary.Inputs.ToArray().Cast<float>().ToArray());
        Assert.False(binary.BinaryOutput);
    }

    [Fact]
    public void A_json_body_with_a_header_length_of_its_whole_size_is_plain_json()
    {
        string json = Request("[1,3]", "[1,2,3]");
        using InferRequest request = InferRequestParser.Parse(Encoding.UTF8.GetBytes(json), Features, MaxRows, Encoding.UTF8.GetByteCount(json));
        Assert.Equal(new float[] { 1, 2, 3 }, request.Inputs.ToArray().Cast<float>().ToArray());
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(",\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]", true)]
    [InlineData(",\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":false}}]", false)]
    [InlineData(",\"parameters\":{\"binary_data_output\":true}", true)]
    [InlineData(",\"parameters\":{\"binary_data_output\":true},\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":false}}]", false)]
    [InlineData(",\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}],\"parameters\":{\"binary_data_output\":false}", true)]
    [InlineData(",\"outputs\":[{\"name\":\"output\"}],\"parameters\":{\"binary_data_output\":true}", true)]
    public void The_output_is_binary_when_the_output_or_else_the_request_asks(string members, bool binary)
    {
        using InferRequest request = Parse("{\"inputs\":[" + Tensor("[1,3]", "[1,2,3]") + "]" + members + "}");
        Assert.Equal(binary, request.BinaryOutput);
    }

    [Fact]
    public void Bad_binary_requests_are_named()
    {
        float[] six = [1, 2, 3, 4, 5, 6];
        AssertBinaryRefused(BinaryHeader("[2,3]", 20), six, "\"binary_data_size\" is 20 bytes; shape [2, 3] of FP32 needs 24");
        AssertBinaryRefused(BinaryHeader("[2,3]", 24), [1, 2, 3], "12 bytes follow the JSON header; \"binary_data_size\" says 24");
        AssertBinaryRefused(BinaryHeader("[1,3]", 12), six, "24 bytes follow the JSON header");
        AssertBinaryRefused(BinaryHeader("[2,3]", 24, ",\"data\":[1,2,3,4,5,6]"), six, "both \"data\" and \"binary_data_size\"");
        AssertBinaryRefused(BinaryHeader("[2,3]", -24), six, "non-negative 64-bit integer");
        AssertBinaryRefused(BinaryHeader("[2,3]", 24).Replace("24}", "99999999999999999999}", StringComparison.Ordinal), six,
            "non-negative 64-bit integer");
        AssertBinaryRefused(BinaryHeader("[2,3]", 24), six, "beyond the body's", headerLength: 10_000);
        AssertBinaryRefused(BinaryHeader("[2,3]", 24), six, "beyond the body's", headerLength: -1);
        AssertBinaryRefused(BinaryHeader("[2,3]", 24), [1, 2, 3, 4, float.NaN, 6], "binary data[4] is not a finite FP32 number");
        AssertBinaryRefused(BinaryHeader("[2,3]", 24), [float.PositiveInfinity, 2, 3, 4, 5, 6], "binary data[0]");
        AssertBinaryRefused(BinaryHeader("[5,3]", 60), new float[15], "shape has 5 rows; this server takes at most 4");
        AssertBinaryRefused(Request("[1,3]", "[1,2,3]"), [7], "4 bytes follow the JSON header, but no input says \"binary_data_size\"");
        // Without the header the server cannot know where the JSON ends: the bytes make it malformed, or the size is refused.
        var noHeader = Assert.Throws<InferRequestException>(() =>
            InferRequestParser.Parse(Encoding.UTF8.GetBytes(BinaryHeader("[1,3]", 12)), Features, MaxRows));
        Assert.Contains("needs the Inference-Header-Content-Length header", noHeader.Message, StringComparison.Ordinal);
        AssertRefused("{\"inputs\":[" + Tensor("[1,3]", "[1,2,3]") + "],\"outputs\":[{\"name\":\"probabilities\"}]}", "unknown output \"probabilities\"");
        AssertRefused("{\"inputs\":[" + Tensor("[1,3]", "[1,2,3]") + "],\"parameters\":{\"binary_data_output\":1}}", "must be true or false");
    }

    [Fact]
    public void Every_non_finite_value_is_found_at_every_position()
    {
        for (int length = 1; length <= 67; length++)
            for (int at = 0; at < length; at++)
                foreach (float bad in (float[])[float.NaN, float.PositiveInfinity, float.NegativeInfinity])
                {
                    var values = new float[length];
                    for (int i = 0; i < length; i++) values[i] = i - 30.5f;
                    values[at] = bad;
                    Assert.Equal(at, FiniteFloats.IndexOfNonFinite(values));
                }
        Assert.Equal(-1, FiniteFloats.IndexOfNonFinite([float.MaxValue, float.MinValue, float.Epsilon, -0f, 0f]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"inputs\":[{\"name\":\"input\"")]
    [InlineData("{\"inputs\":[}")]
    [InlineData("{\"inputs\":[]} trailing")]
    public void Malformed_json_is_a_json_exception(string json) =>
        Assert.ThrowsAny<JsonException>(() => Parse(json));
}
