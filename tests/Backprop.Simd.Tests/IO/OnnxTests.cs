using Backprop.Simd.Data;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// ONNX export and import judged by ONNX Runtime and by PyTorch: our exported models compute under ONNX Runtime what
/// our inference session computes, on the digits data set, for every activation; PyTorch-made files import and compute
/// what PyTorch computed.
/// </summary>
public sealed class OnnxTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<string> ActivationNames => [.. Enum.GetNames<ActivationKind>()];

    private static Activation ActivationNamed(string name) => Enum.Parse<ActivationKind>(name) switch
    {
        ActivationKind.LeakyRelu => Activation.LeakyRelu(0.1),
        ActivationKind.Elu => Activation.Elu(0.5),
        var kind => new Activation(kind),
    };

    [Fact]
    public void OnnxRuntime_native_library_loads()
    {
        string version = Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString();
        output.WriteLine("ONNX Runtime " + version);
        Assert.StartsWith("1.32", version, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void A_trained_exported_model_computes_under_OnnxRuntime_what_our_session_computes(string activationName)
    {
        var activation = ActivationNamed(activationName);
        var digits = Datasets.Digits();
        var network = new Network<float>(64, [new Dense(24, activation), new Dense(16, activation), new Dense(10)], seed: 7);
        Train(network, digits);
        var model = ModelMapping.Describe(network, LossKind.SoftmaxCrossEntropy);
        float[,] inputs = Rows(digits, 300);

        float[,] ours = Predict(model, inputs);
        float[,] runtime = OnnxRuntimeRunner.Run(OnnxModel.Export(model), inputs);
        AssertClose(activationName, ours, runtime);
    }

    [Fact]
    public void Export_then_import_gives_back_every_parameter_activation_the_loss_and_metadata()
    {
        Dense[] layers =
        [
            new(12, Activation.Gelu), new(12, Activation.GeluTanh), new(12, Activation.Silu), new(12, Activation.LeakyRelu(0.01)),
            new(12, Activation.Elu(0.5)), new(12, Activation.Softplus), new(12, Activation.Sigmoid), new(12, Activation.Tanh),
            new(12, Activation.Relu), new(12, Activation.Identity), new(10),
        ];
        var network = new Network<float>(64, layers, seed: 3);
        var metadata = new Dictionary<string, string> { ["backprop.classes"] = "[\"0\",\"1\"]", ["note"] = "ünïcode" };
        var model = ModelMapping.Describe(network, LossKind.BinaryCrossEntropyWithLogits, metadata: metadata);

        byte[] onnx = OnnxModel.Export(model);
        var imported = OnnxModel.Import(onnx);

        Assert.Equal(model.InputSize, imported.InputSize);
        Assert.Equal(model.Layers, imported.Layers);
        Assert.Equal(LossKind.BinaryCrossEntropyWithLogits, imported.Loss);
        Assert.Equal(metadata, imported.Metadata);
        ModelSamples.AssertBitEqual("parameters", model.Parameters, imported.Parameters);
        var inputs = Rows(Datasets.Digits(), 64);
        AssertClose("all activations in one model", Predict(model, inputs), OnnxRuntimeRunner.Run(onnx, inputs));
    }

    [Fact]
    public void A_float64_model_exports_rounded_to_float32()
    {
        var network = new Network<double>(4, [new Dense(3, Activation.Tanh), new Dense(2)], seed: 1);
        var model = ModelMapping.Describe(network, LossKind.MeanSquaredError);
        var imported = OnnxModel.Import(OnnxModel.Export(model));
        Assert.Equal(model.ConvertTo<float>().Parameters, imported.Parameters);
    }

    [Fact]
    public void Save_then_Load_round_trips_through_a_file()
    {
        using var folder = new Data.TempFolder();
        string path = folder.File("model.onnx");
        var model = ModelMapping.Describe(new Network<float>(5, [new Dense(4, Activation.Relu), new Dense(3)], seed: 2), LossKind.SoftmaxCrossEntropy);
        OnnxModel.Save(path, model);
        Assert.Equal(model.Parameters, OnnxModel.Load(path).Parameters);
    }

    [Fact]
    public void PyTorch_sequential_fixture_imports_and_matches_PyTorch_and_OnnxRuntime()
    {
        string path = OnnxFixtures.OnnxPath(OnnxFixtures.Sequential);
        var model = OnnxModel.Load(path, LossKind.SoftmaxCrossEntropy);
        Assert.Equal(64, model.InputSize);
        Assert.Equal([new Dense(16, Activation.Relu), new Dense(8, Activation.Tanh), new Dense(10)], model.Layers);

        var (inputs, pytorch) = OnnxFixtures.Expected(OnnxFixtures.Sequential);
        AssertClose("ours vs PyTorch", pytorch, Predict(model, inputs));
        AssertClose("ONNX Runtime vs PyTorch", pytorch, OnnxRuntimeRunner.Run(File.ReadAllBytes(path), inputs));
    }

    [Fact]
    public void PyTorch_fixture_with_every_activation_and_a_MatMul_Add_layer_imports_and_matches_PyTorch()
    {
        string path = OnnxFixtures.OnnxPath(OnnxFixtures.Activations);
        var model = OnnxModel.Load(path, LossKind.SoftmaxCrossEntropy);
        Assert.Equal(
            [Activation.Gelu, Activation.Silu, Activation.GeluTanh, Activation.LeakyRelu(0.1), Activation.Elu(0.5), Activation.Softplus,
             Activation.Sigmoid, Activation.Identity],
            model.Layers.Select(layer => layer.Activation));

        var (inputs, pytorch) = OnnxFixtures.Expected(OnnxFixtures.Activations);
        AssertClose("ours vs PyTorch", pytorch, Predict(model, inputs));
        AssertClose("ONNX Runtime vs PyTorch", pytorch, OnnxRuntimeRunner.Run(File.ReadAllBytes(path), inputs));
    }

    [Fact]
    public void A_PyTorch_file_without_a_loss_asks_for_one()
    {
        var error = Assert.Throws<ModelFormatException>(() => OnnxModel.Load(OnnxFixtures.OnnxPath(OnnxFixtures.Sequential)));
        Assert.Contains("pass the loss", error.Message, StringComparison.Ordinal);
    }

    private static void Train(Network<float> network, Dataset digits)
    {
        const int batch = 64;
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(0.01), maxBatch: batch);
        var features = new float[batch, digits.FeatureCount];
        var labels = new int[batch];
        for (int step = 0; step < 20; step++)
        {
            for (int r = 0; r < batch; r++)
            {
                int row = (step * batch + r) % digits.SampleCount;
                for (int c = 0; c < digits.FeatureCount; c++) features[r, c] = digits.Features[row, c];
                labels[r] = digits.Labels[row];
            }
            trainer.Step(features, labels);
        }
    }

    internal static float[,] Rows(Dataset data, int count)
    {
        var rows = new float[count, data.FeatureCount];
        for (int r = 0; r < count; r++)
        {
            for (int c = 0; c < data.FeatureCount; c++) rows[r, c] = data.Features[r, c];
        }
        return rows;
    }

    internal static float[,] Predict(ModelDescription<float> model, float[,] inputs)
    {
        var session = FrozenModel<float>.From(model).CreateSession(inputs.GetLength(0));
        var outputs = new float[inputs.GetLength(0), model.OutputSize];
        session.Predict(new ReadOnlySpan2D<float>(inputs), new Span2D<float>(outputs));
        return outputs;
    }

    private void AssertClose(string what, float[,] expected, float[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        float worst = 0;
        (int Row, int Column) at = (0, 0);
        for (int r = 0; r < expected.GetLength(0); r++)
        {
            for (int c = 0; c < expected.GetLength(1); c++)
            {
                float difference = Math.Abs(expected[r, c] - actual[r, c]);
                if (!(difference <= worst))
                {
                    worst = difference;
                    at = (r, c);
                }
            }
        }
        output.WriteLine($"{what}: largest difference {worst:E2} at [{at.Row}, {at.Column}]");
        Assert.True(worst <= Tolerance,
            $"{what}: largest difference {worst} at [{at.Row}, {at.Column}] ({expected[at.Row, at.Column]} vs {actual[at.Row, at.Column]}) exceeds {Tolerance}.");
    }
}
