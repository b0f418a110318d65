using System.Buffers.Binary;
using System.IO.Hashing;
using Backprop.Simd.IO;
using Backprop.Simd.Model;

namespace Backprop.Simd.Tests.IO;

public sealed class NativeModelFormatTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-native-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float_model_round_trips_bit_exactly_through_a_file(bool withOptimizer)
    {
        var model = ModelSamples.Create<float>(withOptimizer);
        string path = Path.Combine(_folder, "model.bpm");
        NativeModelFormat.Save(path, model);
        var loaded = Assert.IsType<ModelDescription<float>>(NativeModelFormat.Load(path));
        ModelSamples.AssertIdentical(model, loaded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Double_model_round_trips_bit_exactly_through_a_file(bool withOptimizer)
    {
        var model = ModelSamples.Create<double>(withOptimizer);
        string path = Path.Combine(_folder, "model.bpm");
        NativeModelFormat.Save(path, model);
        var loaded = Assert.IsType<ModelDescription<double>>(NativeModelFormat.Load(path));
        ModelSamples.AssertIdentical(model, loaded);
    }

    [Fact]
    public void Model_without_rng_state_or_metadata_round_trips()
    {
        var parameters = new float[ModelDescription.CountParameters(3, [new Dense(2, Activation.Sigmoid)])];
        var model = new ModelDescription<float>(3, [new Dense(2, Activation.Sigmoid)], LossKind.MeanSquaredError, parameters);
        var loaded = Assert.IsType<ModelDescription<float>>(ModelSamples.ReadNative(ModelSamples.NativeBytes(model)));
        ModelSamples.AssertIdentical(model, loaded);
        Assert.Empty(loaded.RngState);
        Assert.Empty(loaded.Metadata);
    }

    [Fact]
    public void Equal_models_produce_identical_bytes_whatever_the_dictionary_order()
    {
        var a = ModelSamples.Create<float>(withOptimizer: true);
        var reversed = a.Metadata.Reverse().ToDictionary(p => p.Key, p => p.Value);
        var b = new ModelDescription<float>(a.InputSize, a.Layers, a.Loss, a.Parameters, a.Optimizer, a.Epoch, a.Step, a.RngState, reversed);
        Assert.Equal(ModelSamples.NativeBytes(a), ModelSamples.NativeBytes(b));
    }

    [Fact]
    public void Header_fields_sit_at_their_documented_offsets_in_little_endian()
    {
        var model = ModelSamples.Create<double>(withOptimizer: true);
        byte[] bytes = ModelSamples.NativeBytes(model);
        Assert.Equal("BPSMODEL"u8.ToArray(), bytes[..8]);
        Assert.Equal(NativeModelFormat.FormatVersion, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(2, bytes[12]);
        Assert.Equal((byte)LossKind.SoftmaxCrossEntropy, bytes[13]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(14)));
        Assert.Equal((uint)ModelSamples.InputSize, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal((ulong)model.ParameterCount, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(12ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(3456ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(48)));
        Assert.Equal((uint)ActivationKind.LeakyRelu, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(52)));
        Assert.Equal(0.02, BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(56)));
        int parameterStart = 48 + 3 * 16;
        Assert.Equal(BitConverter.DoubleToInt64Bits(model.Parameters[5]), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(parameterStart + 5 * 8)));
        Assert.Equal(XxHash64.HashToUInt64(bytes.AsSpan(..^8)), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(^8)));
    }

    [Fact]
    public void Load_as_other_element_type_converts_parameters_and_optimizer_state()
    {
        var model = ModelSamples.Create<float>(withOptimizer: true);
        string path = Path.Combine(_folder, "model.bpm");
        NativeModelFormat.Save(path, model);
        var widened = NativeModelFormat.Load<double>(path);
        Assert.Equal(ModelElementType.Float64, widened.ElementType);
        for (int i = 0; i < model.ParameterCount; i++)
        {
            Assert.Equal(model.Parameters[i], (float)widened.Parameters[i]);
            Assert.Equal(model.Optimizer!.Buffers[1][i], (float)widened.Optimizer!.Buffers[1][i]);
        }
    }

    [Fact]
    public void Description_rejects_a_parameter_block_that_does_not_match_the_architecture()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ModelDescription<float>(ModelSamples.InputSize, ModelSamples.Layers, LossKind.MeanSquaredError, new float[10]));
        Assert.Equal("parameters", error.ParamName);
        Assert.Contains("10", error.Message, StringComparison.Ordinal);
        Assert.Contains("74", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Description_rejects_optimizer_buffers_of_the_wrong_length()
    {
        int count = ModelDescription.CountParameters(ModelSamples.InputSize, ModelSamples.Layers);
        var optimizer = new OptimizerStateDescription<float>("Sgd", new Dictionary<string, double>(), 1, [new float[count - 1]]);
        var error = Assert.Throws<ArgumentException>(() => new ModelDescription<float>(ModelSamples.InputSize, ModelSamples.Layers,
            LossKind.MeanSquaredError, new float[count], optimizer));
        Assert.Equal("optimizer", error.ParamName);
    }

    [Fact]
    public void Empty_file_is_rejected_as_not_a_model_file() => AssertRejected([], "magic");

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        byte[] bytes = ValidBytes();
        bytes[0] = (byte)'X';
        AssertRejected(bytes, "magic");
    }

    [Fact]
    public void Unknown_format_version_is_rejected_before_the_checksum()
    {
        byte[] bytes = ValidBytes();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        AssertRejected(bytes, "Unsupported format version 2 at offset 8");
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_the_content_fails_the_checksum()
    {
        byte[] valid = ValidBytes();
        for (int offset = 12; offset < valid.Length; offset += 7)
        {
            byte[] bytes = (byte[])valid.Clone();
            bytes[offset] ^= 0x10;
            AssertRejected(bytes, "Checksum mismatch");
        }
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        byte[] valid = ValidBytes();
        for (int length = 0; length < valid.Length; length++)
        {
            var error = Assert.Throws<ModelFormatException>(() => ModelSamples.ReadNative(valid[..length]));
            Assert.False(string.IsNullOrWhiteSpace(error.Message), $"Truncation to {length} bytes gave an empty message.");
        }
    }

    [Fact]
    public void Parameter_count_that_disagrees_with_the_architecture_is_rejected()
    {
        byte[] bytes = ValidBytes();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), 73);
        AssertRejected(Reseal(bytes), "parameter count at offset 24 is 73 but the architecture needs 74");
    }

    [Fact]
    public void Huge_parameter_count_is_rejected_without_allocating()
    {
        byte[] bytes = ValidBytes();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), ulong.MaxValue);
        AssertRejected(Reseal(bytes), "parameter count at offset 24");
    }

    [Fact]
    public void Huge_layer_units_are_rejected_without_allocating()
    {
        byte[] bytes = ValidBytes();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(48), int.MaxValue);
        AssertRejected(Reseal(bytes), "architecture");
    }

    [Fact]
    public void Layer_count_beyond_the_limit_is_rejected()
    {
        byte[] bytes = ValidBytes();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), uint.MaxValue);
        AssertRejected(Reseal(bytes), "layer count at offset 20");
    }

    [Fact]
    public void Unknown_element_type_loss_flags_and_activation_are_each_rejected_with_their_offset()
    {
        AssertRejected(Reseal(With(ValidBytes(), 12, 9)), "element type 9 at offset 12");
        AssertRejected(Reseal(With(ValidBytes(), 13, 200)), "loss kind 200 at offset 13");
        AssertRejected(Reseal(With(ValidBytes(), 15, 0x80)), "flags 0x8003 at offset 14");
        AssertRejected(Reseal(With(ValidBytes(), 52, 99)), "Layer 0 at offset 48 has unknown activation kind 99");
    }

    [Fact]
    public void Non_finite_activation_parameter_is_rejected()
    {
        byte[] bytes = ValidBytes();
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(56), double.NaN);
        AssertRejected(Reseal(bytes), "non-finite activation parameter");
    }

    [Fact]
    public void Oversized_metadata_length_is_rejected_without_allocating()
    {
        var model = new ModelDescription<float>(2, [new Dense(1, Activation.Identity)], LossKind.MeanSquaredError,
            new float[3], metadata: new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = ModelSamples.NativeBytes(model);
        // Tail: u32 count, u32 key length, 'k', u32 value length, 'v', u64 checksum.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 8 - 1 - 4), 60_000_000);
        AssertRejected(Reseal(bytes), "metadata value");
    }

    [Fact]
    public void Trailing_bytes_before_the_checksum_are_rejected()
    {
        byte[] valid = ValidBytes();
        byte[] bytes = [.. valid[..^8], 0, 0, 0, .. valid[^8..]];
        AssertRejected(Reseal(bytes), "3 unexpected bytes");
    }

    [Fact]
    public void Invalid_utf8_in_metadata_is_rejected()
    {
        var model = new ModelDescription<float>(2, [new Dense(1, Activation.Identity)], LossKind.MeanSquaredError,
            new float[3], metadata: new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = ModelSamples.NativeBytes(model);
        bytes[^9] = 0xFF;
        AssertRejected(Reseal(bytes), "not valid UTF-8");
    }

    [Fact]
    public void Model_beyond_the_file_limits_is_refused_before_anything_is_written()
    {
        var model = new ModelDescription<float>(2, [new Dense(1, Activation.Identity)], LossKind.MeanSquaredError,
            new float[3], rngState: new ulong[NativeModelFormat.MaxRngStateWords + 1]);
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => NativeModelFormat.Write(stream, model));
        Assert.Equal(0, stream.Length);
    }

    private static byte[] ValidBytes() => ModelSamples.NativeBytes(ModelSamples.Create<float>(withOptimizer: true));

    private static byte[] With(byte[] bytes, int offset, byte value)
    {
        bytes[offset] = value;
        return bytes;
    }

    /// <summary>Recomputes the checksum so the test reaches the field checks behind it.</summary>
    internal static byte[] Reseal(byte[] bytes)
    {
        if (bytes.Length >= 8) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(^8), XxHash64.HashToUInt64(bytes.AsSpan(..^8)));
        return bytes;
    }

    private static void AssertRejected(byte[] bytes, string expectedMessagePart)
    {
        var error = Assert.Throws<ModelFormatException>(() => ModelSamples.ReadNative(bytes));
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.Ordinal);
    }
}
