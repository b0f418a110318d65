using Backprop.Cli;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Cli;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.IO;

/// <summary><c>backprop export --format onnx</c> and <c>backprop import</c> of ONNX files, ours and PyTorch's.</summary>
public class OnnxCliTests
{
    [Fact]
    public void Export_to_onnx_then_import_gives_back_the_same_model()
    {
        using var folder = new TempFolder();
        var network = new Network<float>(64, [new Dense(16, Activation.Gelu), new Dense(10)], seed: 5);
        string model = CliModelFileTests.SaveModel(folder, network);
        string onnx = folder.File("digits.onnx"), back = folder.File("back.bpm");

        CliRun export = CliRun.Of("export", "--model", model, "--format", "onnx", "--output", onnx).Expect(ExitCode.Success);
        Assert.Contains("ONNX opset 17", export.Output, StringComparison.Ordinal);
        CliRun.Of("import", "--input", onnx, "--output", back).Expect(ExitCode.Success);

        var imported = NativeModelFormat.Load<float>(back);
        Assert.Equal(network.Parameters.ToArray(), imported.Parameters);
        Assert.Equal([ActivationKind.Gelu, ActivationKind.Identity], imported.Layers.Select(l => l.Activation.Kind));
        Assert.Equal(LossKind.SoftmaxCrossEntropy, imported.Loss);
        Assert.True(imported.Metadata.ContainsKey("backprop.classes"));
    }

    [Fact]
    public void Import_recognises_onnx_content_without_the_extension()
    {
        using var folder = new TempFolder();
        string model = CliModelFileTests.SaveModel(folder, new Network<float>(8, [new Dense(3, Activation.Relu), new Dense(2)], seed: 1));
        string onnx = folder.File("model.bin"), back = folder.File("back.bpm");
        CliRun.Of("export", "--model", model, "--format", "onnx", "--output", onnx).Expect(ExitCode.Success);
        CliRun.Of("import", "--input", onnx, "--output", back).Expect(ExitCode.Success);
        Assert.Equal(2, NativeModelFormat.Load<float>(back).OutputSize);
    }

    [Fact]
    public void A_PyTorch_onnx_file_imports_with_a_loss_and_refuses_an_activation_option()
    {
        using var folder = new TempFolder();
        string fixture = OnnxFixtures.OnnxPath(OnnxFixtures.Sequential), back = folder.File("torch.bpm");
        CliRun.Of("import", "--input", fixture, "--output", back).Expect(ExitCode.Failure).ExpectOneLineError("pass the loss");
        CliRun.Of("import", "--input", fixture, "--output", back, "--loss", "cross-entropy", "--activation", "relu")
            .Expect(ExitCode.Usage).ExpectOneLineError("--activation does not apply to ONNX");
        CliRun.Of("import", "--input", fixture, "--output", back, "--loss", "cross-entropy").Expect(ExitCode.Success);
        Assert.Equal([ActivationKind.Relu, ActivationKind.Tanh, ActivationKind.Identity],
            NativeModelFormat.Load<float>(back).Layers.Select(l => l.Activation.Kind));
    }

    [Fact]
    public void A_corrupt_onnx_file_is_one_error_line()
    {
        using var folder = new TempFolder();
        string onnx = folder.File("broken.onnx");
        byte[] bytes = OnnxModel.Export(ModelMapping.Describe(new Network<float>(4, [new Dense(2)], seed: 1), LossKind.MeanSquaredError));
        File.WriteAllBytes(onnx, bytes[..(bytes.Length / 2)]);
        CliRun.Of("import", "--input", onnx, "--output", folder.File("out.bpm")).Expect(ExitCode.Failure).ExpectOneLineError();
    }
}
