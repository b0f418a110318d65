using System.Buffers.Binary;
using System.Text;
using Backprop.Simd.IO;

namespace Backprop.Simd.Tests.IO;

public sealed class SafeTensorsTests
{
    /// <summary>A file laid out by hand from the specification, not by our writer.</summary>
    internal static byte[] HandBuiltFile(string json, params byte[][] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new List<byte>();
        ulong length = (ulong)header.Length;
        for (int i = 0; i < 8; i++) bytes.Add((byte)(length >> (8 * i)));
        bytes.AddRange(header);
        foreach (byte[] chunk in data) bytes.AddRange(chunk);
        return [.. bytes];
    }

    [Fact]
    public void Hand_built_file_with_F32_F16_BF16_and_F64_tensors_loads_as_floats()
    {
        const string json = """
            {"d":{"dtype":"F64","shape":[],"data_offsets":[26,34]},
             "a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
             "h":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},
             "b":{"dtype":"BF16","shape":[2,1],"data_offsets":[22,26]},
             "__metadata__":{"format":"pt","note":"hand made"}}
            """;
        byte[] bytes = HandBuiltFile(json,
            [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0xBF, 0x00, 0x00, 0x50, 0x40], // F32 1, 2, -0.5, 3.25
            [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38],                                                              // F16 1, -2, 0.5
            [0x80, 0x3F, 0x40, 0xC0],                                                                          // BF16 1, -3
            [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F]);                                                 // F64 0.1

        var file = ModelSamples.ReadSafeTensors(bytes);

        Assert.Equal(["a", "h", "b", "d"], file.Tensors.Select(t => t.Name));
        AssertTensor(file, "a", [2, 2], [1f, 2f, -0.5f, 3.25f], SafeTensorDType.F32);
        AssertTensor(file, "h", [3], [1f, -2f, 0.5f], SafeTensorDType.F16);
        AssertTensor(file, "b", [2, 1], [1f, -3f], SafeTensorDType.BF16);
        AssertTensor(file, "d", [], [0.1f], SafeTensorDType.F64);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("hand made", file.Metadata["note"]);
    }

    [Fact]
    public void Written_file_round_trips_and_matches_the_specification_layout()
    {
        var source = new SafeTensorsFile(
            [new SafeTensor("x", [2, 3], [1, 2, 3, 4, 5, float.NaN]), new SafeTensor("empty", [0, 4], []), new SafeTensor("s", [], [-7.5f])],
            new Dictionary<string, string> { ["k"] = "v \"quoted\" ✓" });
        byte[] bytes = ModelSamples.SafeTensorsBytes(source);

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0ul, (8 + headerLength) % 8);
        Assert.Equal((ulong)bytes.Length, 8 + headerLength + 4 * 7);
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength)));

        var loaded = ModelSamples.ReadSafeTensors(bytes);
        Assert.Equal(source.Metadata, loaded.Metadata);
        Assert.Equal(source.Tensors.Count, loaded.Tensors.Count);
        foreach (var expected in source.Tensors)
        {
            Assert.True(loaded.TryGetTensor(expected.Name, out var actual), $"Tensor '{expected.Name}' is missing.");
            Assert.Equal(expected.Shape, actual.Shape);
            ModelSamples.AssertBitEqual(expected.Name, expected.Values, actual.Values);
        }
    }

    [Fact]
    public void Save_and_load_through_a_file()
    {
        string path = Path.Combine(Path.GetTempPath(), "backprop-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            new SafeTensorsFile([new SafeTensor("w", [2], [3, 4])]).Save(path);
            Assert.Equal([3f, 4f], SafeTensorsFile.Load(path).Tensors[0].Values);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Writer_rejects_duplicate_names_and_a_shape_that_does_not_match_the_values()
    {
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile([new SafeTensor("a", [1], [1]), new SafeTensor("a", [1], [2])]));
        Assert.Throws<ArgumentException>(() => new SafeTensor("a", [2, 2], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new SafeTensor(SafeTensorsFile.MetadataKey, [1], [1]));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "8-byte header length")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, (byte)'{', (byte)'}' }, "header length at offset 0 is 18446744073709551615")]
    [InlineData(new byte[] { 40, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, "header length at offset 0 is 40")]
    public void Header_length_outside_the_file_is_rejected(byte[] bytes, string expected) => AssertRejected(bytes, expected);

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("""{"a":{"dtype":"F32","shape":[[[[1]]]],"data_offsets":[0,4]}}""", "not valid JSON")]
    [InlineData("""{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", "dtype 'I64'")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", "has no 'dtype'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "not a non-negative 64-bit integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,1e3]}}""", "not a non-negative 64-bit integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "exactly two numbers")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,0]}}""", "end before they begin")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "span 8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4294967296],"data_offsets":[0,8]}}""", "beyond 2147483647")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}""", "span 8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", "names 'a' twice")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "overlapping")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", "leaving a hole after offset 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "cover 8 bytes of data but the data section holds 16")]
    [InlineData("""{"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}""", "cover 24 bytes of data but the data section holds 16")]
    [InlineData("""{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "Metadata 'k' must be a string")]
    public void Hostile_header_is_rejected_with_a_message_naming_the_problem(string json, string expected) =>
        AssertRejected(HandBuiltFile(json, new byte[16]), expected);

    [Fact]
    public void Invalid_utf8_in_a_tensor_name_is_rejected()
    {
        // Found by the fuzz test: JsonDocument only checks a string's UTF-8 when the string is read.
        byte[] bytes = HandBuiltFile("""{"aX":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        bytes[8 + 3] = 0xFF;
        AssertRejected(bytes, "not valid UTF-8");
    }

    private static void AssertTensor(SafeTensorsFile file, string name, int[] shape, float[] values, SafeTensorDType dtype)
    {
        Assert.True(file.TryGetTensor(name, out var tensor), $"Tensor '{name}' is missing.");
        Assert.Equal(shape, tensor.Shape);
        Assert.Equal(values, tensor.Values);
        Assert.Equal(dtype, tensor.SourceType);
    }

    private static void AssertRejected(byte[] bytes, string expectedMessagePart)
    {
        var error = Assert.Throws<ModelFormatException>(() => ModelSamples.ReadSafeTensors(bytes));
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.Ordinal);
    }
}
