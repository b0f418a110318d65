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

    [Theory]
    [InlineData("")]
    [InlineData("{\"inputs\":[{\"name\":\"input\"")]
    [InlineData("{\"inputs\":[}")]
    [InlineData("{\"inputs\":[]} trailing")]
    public void Malformed_json_is_a_json_exception(string json) =>
        Assert.ThrowsAny<JsonException>(() => Parse(json));
}
