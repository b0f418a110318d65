using Backprop.Simd.Model;
using Backprop.Simd.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Training;

public class VanishingGradientTests(ITestOutputHelper output)
{
    // Ten layers, the same He initialisation, only the activation differs. σ' ≤ 1/4, so each sigmoid layer shrinks the
    // error it passes back; ReLU passes it through unchanged where units are active.
    private float[] FirstOverLastWeightGradientNorms(Activation activation)
    {
        var layers = new Dense[10];
        for (int i = 0; i < 9; i++) layers[i] = new Dense(32, activation);
        layers[9] = new Dense(10);
        var network = new Network<float>(32, layers, seed: 1, Initialization.KaimingUniform());
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.01), maxBatch: 64)
        {
            TrackLayerNorms = true,
        };
        trainer.Step(TestData.Normal<float>(64, 32, seed: 2), TestData.Labels(64, 10, seed: 3));

        float[] weightNorms = trainer.WeightGradientNorms.ToArray(), errorNorms = trainer.ErrorNorms.ToArray();
        output.WriteLine($"{activation.Kind} ‖∂W‖ by layer: {string.Join(", ", weightNorms.Select(n => n.ToString("E2")))}");
        output.WriteLine($"{activation.Kind} ‖δ‖  by layer: {string.Join(", ", errorNorms.Select(n => n.ToString("E2")))}");
        return [weightNorms[0] / weightNorms[^1], errorNorms[0] / errorNorms[^1]];
    }

    [Fact]
    public void First_layer_gradients_vanish_in_a_deep_sigmoid_network_but_not_in_a_relu_network()
    {
        float[] sigmoid = FirstOverLastWeightGradientNorms(Activation.Sigmoid);
        float[] relu = FirstOverLastWeightGradientNorms(Activation.Relu);

        Assert.True(sigmoid[0] < 1e-3f && sigmoid[1] < 1e-3f, $"sigmoid first/last ratios {sigmoid[0]:E2}, {sigmoid[1]:E2}");
        Assert.True(relu[0] > 0.1f && relu[1] > 0.1f, $"ReLU first/last ratios {relu[0]:E2}, {relu[1]:E2}");
    }
}
