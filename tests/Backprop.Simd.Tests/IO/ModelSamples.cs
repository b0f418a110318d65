using System.Numerics;
using Backprop.Simd.IO;
using Backprop.Simd.Model;

namespace Backprop.Simd.Tests.IO;

/// <summary>Small, fully populated model descriptions for the file-format tests.</summary>
internal static class ModelSamples
{
    public static readonly Dense[] Layers =
    [
        new(5, Activation.LeakyRelu(0.02)),
        new(4, Activation.Tanh),
        new(3, Activation.Identity),
    ];

    public const int InputSize = 6;

    public static ModelDescription<T> Create<T>(bool withOptimizer, bool withRng = true, int seed = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int count = ModelDescription.CountParameters(InputSize, Layers);
        var parameters = RandomValues<T>(random, count);
        // Values a checkpoint must keep bit-exactly, including the awkward ones.
        parameters[0] = T.NaN;
        parameters[1] = T.NegativeZero;
        parameters[2] = T.PositiveInfinity;
        parameters[3] = T.Epsilon;
        OptimizerStateDescription<T>? optimizer = withOptimizer
            ? new("Adam", new Dictionary<string, double> { ["lr"] = 1e-3, ["beta1"] = 0.9, ["beta2"] = 0.999, ["eps"] = 1e-8 },
                stepCount: 42, [RandomValues<T>(random, count), RandomValues<T>(random, count)])
            : null;
        ulong[]? rng = withRng ? [0x0123456789abcdefUL, 0xfedcba9876543210UL, 7, ulong.MaxValue] : null;
        var metadata = new Dictionary<string, string>
        {
            ["classes"] = "setosa,versicolor,virginica",
            ["feature_mean"] = "5.84,3.05,3.76,1.20,0,0",
            ["unicode"] = "größe · 大きさ",
        };
        return new ModelDescription<T>(InputSize, Layers, LossKind.SoftmaxCrossEntropy, parameters, optimizer,
            epoch: 12, step: 3456, rng, metadata);
    }

    public static T[] RandomValues<T>(Random random, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        return values;
    }

    public static byte[] NativeBytes(ModelDescription model)
    {
        using var stream = new MemoryStream();
        NativeModelFormat.Write(stream, model);
        return stream.ToArray();
    }

    public static ModelDescription ReadNative(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return NativeModelFormat.Read(stream);
    }

    public static byte[] SafeTensorsBytes(SafeTensorsFile file)
    {
        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    public static SafeTensorsFile ReadSafeTensors(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return SafeTensorsFile.Read(stream);
    }

    /// <summary>Asserts two models are identical, parameters compared bit for bit, naming the first difference.</summary>
    public static void AssertIdentical<T>(ModelDescription<T> expected, ModelDescription<T> actual)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.ElementType, actual.ElementType);
        Assert.Equal(expected.InputSize, actual.InputSize);
        Assert.Equal(expected.Layers, actual.Layers);
        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.RngState, actual.RngState);
        Assert.Equal(expected.Metadata.OrderBy(p => p.Key), actual.Metadata.OrderBy(p => p.Key));
        AssertBitEqual("parameters", expected.Parameters, actual.Parameters);
        Assert.Equal(expected.HasOptimizerState, actual.HasOptimizerState);
        if (expected.Optimizer is { } e && actual.Optimizer is { } a)
        {
            Assert.Equal(e.Kind, a.Kind);
            Assert.Equal(e.StepCount, a.StepCount);
            Assert.Equal(e.HyperParameters.OrderBy(p => p.Key), a.HyperParameters.OrderBy(p => p.Key));
            Assert.Equal(e.Buffers.Count, a.Buffers.Count);
            for (int i = 0; i < e.Buffers.Count; i++) AssertBitEqual($"optimizer buffer {i}", e.Buffers[i], a.Buffers[i]);
        }
    }

    public static void AssertBitEqual<T>(string what, T[] expected, T[] actual)
        where T : unmanaged
    {
        Assert.Equal(expected.Length, actual.Length);
        var e = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan());
        var a = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan());
        int size = e.Length / Math.Max(expected.Length, 1);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)),
                $"{what} differ at element {i}: expected {expected[i]}, got {actual[i]}.");
        }
    }
}
