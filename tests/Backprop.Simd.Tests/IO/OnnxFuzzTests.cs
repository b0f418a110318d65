using System.Diagnostics;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Model;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// Hostile ONNX files (bit flips, truncations, huge lengths, deep nesting) either import or throw
/// <see cref="ModelFormatException"/>: never another exception, an allocation beyond the file or a stack overflow.
/// The long run is in the Fuzz category.
/// </summary>
public sealed class OnnxFuzzTests(ITestOutputHelper output)
{
    private const int QuickCases = 10_000, LongCases = 200_000;

    [Fact]
    public void Mutated_onnx_files_import_or_throw_ModelFormatException() => Fuzz(QuickCases, seed: 21);

    [Fact]
    [Trait("Category", "Fuzz")]
    public void Long_fuzz_of_onnx_files() => Fuzz(LongCases, seed: 121);

    /// <summary>A small model with every activation, so mutations reach each pattern of the importer.</summary>
    private static byte[] SmallOnnx()
    {
        Dense[] layers =
        [
            new(3, Activation.Gelu), new(3, Activation.GeluTanh), new(3, Activation.Silu), new(3, Activation.LeakyRelu(0.2)),
            new(3, Activation.Elu(0.5)), new(3, Activation.Softplus), new(3, Activation.Sigmoid), new(2, Activation.Relu), new(2),
        ];
        var network = new Network<float>(2, layers, seed: 6);
        return OnnxModel.Export(ModelMapping.Describe(network, LossKind.MeanSquaredError, new Dictionary<string, string> { ["k"] = "v" }));
    }

    private void Fuzz(int cases, int seed)
    {
        byte[] valid = SmallOnnx();
        var random = new Random(seed);
        int loaded = 0, rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var (bytes, description) = ModelFileFuzzTests.MutateBytes(valid, random);
            try
            {
                var model = OnnxModel.Import(bytes);
                // Whatever imports must be a model that can run and be written again.
                FrozenModel<float>.From(model).CreateSession().Predict(new float[model.InputSize]);
                OnnxModel.Export(model);
                loaded++;
            }
            catch (ModelFormatException)
            {
                rejected++;
            }
#pragma warning disable CA1031 // Any other exception is exactly what this test looks for.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add($"case {i} ({description}): {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"onnx: {cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {loaded} imported, {rejected} rejected, {failures.Count} other exceptions.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases threw something else:\n" + string.Join("\n", failures.Take(10)));
    }

    [Theory]
    [InlineData(0x7FFF_FFFFul)]
    [InlineData(0xFFFF_FFFFul)]
    [InlineData(ulong.MaxValue)]
    public void A_length_beyond_the_file_is_refused_before_allocating(ulong length)
    {
        // ModelProto.graph (field 7, length-delimited) claiming more bytes than follow.
        var bytes = new List<byte> { 0x08, 0x08, 0x3A };
        for (ulong v = length; ; v >>= 7)
        {
            bytes.Add((byte)(v < 0x80 ? v : (v & 0x7F) | 0x80));
            if (v < 0x80) break;
        }
        bytes.AddRange(new byte[16]);
        var error = Assert.Throws<ModelFormatException>(() => OnnxModel.Import(bytes.ToArray()));
        Assert.Contains("ModelProto.graph", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_whose_dims_claim_more_elements_than_its_bytes_is_refused()
    {
        var message = OnnxProtoReader.ReadModel(SmallOnnx());
        var graph = message.Graph with
        {
            Initializers = [.. message.Graph.Initializers.Select(t => t.Name == "layer0.weight" ? t with { Dims = [1L << 40, 1L << 40] } : t)],
        };
        var error = Assert.Throws<ModelFormatException>(() => OnnxModel.Import(OnnxProtoWriter.Write(message with { Graph = graph })));
        Assert.Contains("layer0.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_messages_do_not_overflow_the_stack()
    {
        // 100,000 length-delimited fields, each holding the next: a second ModelProto.graph whose field 6 nests on and
        // on. Lengths are computed inside out, then the tags are written outside in.
        const int depth = 100_000;
        var lengths = new long[depth + 1];
        for (int k = 1; k <= depth; k++) lengths[k] = 1 + Varint((ulong)lengths[k - 1]).Length + lengths[k - 1];
        var nested = new List<byte>();
        for (int k = depth - 1; k >= 0; k--) nested.AddRange([0x32, .. Varint((ulong)lengths[k])]);
        byte[] hostile = [.. SmallOnnx(), 0x3A, .. Varint((ulong)nested.Count), .. nested];
        // The second graph replaces the first; it holds no node, so the import refuses it, without recursing.
        Assert.Throws<ModelFormatException>(() => OnnxModel.Import(hostile));
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value | 0x80));
        bytes.Add((byte)value);
        return [.. bytes];
    }
}
