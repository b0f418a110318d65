using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Model;

public class HandCheckedNetworkTests
{
    // x = [1, 2] → ReLU layer W₁ = [[0.1, 0.2], [0.3, 0.4]], b₁ = [0.1, −0.1] → linear layer W₂ = [[0.5], [−0.6]],
    // b₂ = [0.2]; MSE against t = 1; one SGD step with lr 0.1. Worked out by hand:
    //   z₁ = [1·0.1 + 2·0.3 + 0.1, 1·0.2 + 2·0.4 − 0.1] = [0.8, 0.9] = h (both positive)
    //   y = 0.8·0.5 − 0.9·0.6 + 0.2 = 0.06;  L = (0.06 − 1)² = 0.8836;  δy = 2(y − t) = −1.88
    //   ∂W₂ = hᵀδy = [−1.504, −1.692];  ∂b₂ = −1.88
    //   δh = δy·W₂ᵀ = [−0.94, 1.128] (ReLU' = 1);  ∂W₁ = xᵀδh = [[−0.94, 1.128], [−1.88, 2.256]];  ∂b₁ = δh
    //   ∂L/∂x = δh·W₁ᵀ = [−0.94·0.1 + 1.128·0.2, −0.94·0.3 + 1.128·0.4] = [0.1316, 0.1692]
    private static (Network<double> Network, Trainer<double> Trainer) TwoTwoOne()
    {
        var network = new Network<double>(2, [new Dense(2, Activation.Relu), new Dense(1)]);
        double[] parameters = [0.1, 0.2, 0.3, 0.4, 0.1, -0.1, 0.5, -0.6, 0.2];
        parameters.CopyTo(network.Parameters);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(0.1), maxBatch: 1)
        {
            ComputeInputGradient = true,
        };
        return (network, trainer);
    }

    private static readonly double[,] X = { { 1, 2 } };
    private static readonly double[,] Target = { { 1 } };

    [Fact]
    public void Parameters_are_laid_out_weights_then_bias_layer_by_layer()
    {
        (Network<double> network, _) = TwoTwoOne();
        Assert.Equal(9, network.ParameterCount);
        Assert.Equal(0.3, network.Weights(0)[1, 0]);
        Assert.Equal(-0.1, network.Bias(0)[1]);
        Assert.Equal(-0.6, network.Weights(1)[1, 0]);
        Assert.Equal(0.2, network.Bias(1)[0]);
        Assert.Equal(6, network.Layers[1].WeightOffset);
        Assert.Equal(8, network.Layers[1].BiasOffset);
    }

    [Fact]
    public void One_step_gives_the_hand_computed_loss_gradients_and_parameters()
    {
        (Network<double> network, Trainer<double> trainer) = TwoTwoOne();

        double loss = trainer.Step(X, Target);

        Assert.Equal(0.8836, loss, 12);
        double[] expectedGradients = [-0.94, 1.128, -1.88, 2.256, -0.94, 1.128, -1.504, -1.692, -1.88];
        AssertClose(expectedGradients, trainer.Gradients.ToArray(), "gradient");
        double[] expectedParameters = [0.194, 0.0872, 0.488, 0.1744, 0.194, -0.2128, 0.6504, -0.4308, 0.388];
        AssertClose(expectedParameters, network.Parameters.ToArray(), "parameter");
        AssertClose([0.1316, 0.1692], [trainer.InputGradient[0, 0], trainer.InputGradient[0, 1]], "input gradient");
    }

    [Fact]
    public void Prediction_after_the_step_uses_the_updated_parameters()
    {
        (_, Trainer<double> trainer) = TwoTwoOne();
        trainer.Step(X, Target);
        // h = relu([1·0.194 + 2·0.488 + 0.194, 1·0.0872 + 2·0.1744 − 0.2128]) = [1.364, 0.2232]
        // y = 1.364·0.6504 − 0.2232·0.4308 + 0.388
        double expected = 1.364 * 0.6504 - 0.2232 * 0.4308 + 0.388;
        var output = new double[1, 1];
        trainer.Predict(X, output);
        Assert.Equal(expected, output[0, 0], 12);
    }

    internal static void AssertClose(double[] expected, double[] actual, string what, double tolerance = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0;
        for (int i = 1; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > Math.Abs(expected[worst] - actual[worst])) worst = i;
        }
        double difference = Math.Abs(expected[worst] - actual[worst]);
        Assert.True(difference <= tolerance,
            $"largest {what} difference {difference:E3} at index {worst}: expected {expected[worst]:R}, got {actual[worst]:R}");
    }
}
