using Backprop.Simd.Model;
using Backprop.Simd.Tests.Kernels;
using Backprop.Simd.Tests.Training;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Model;

[Collection(nameof(AllocationMeasurements))]
public class ForwardPassTests(ITestOutputHelper output)
{
    // Odd widths so that no layer is a multiple of any vector width; every activation that keeps Z and one that doesn't.
    private static Network<double> OddNetwork() => new(19,
        [new Dense(37, Activation.Gelu), new Dense(33, Activation.Relu), new Dense(20, Activation.Sigmoid), new Dense(5)],
        seed: 7);

    [Fact]
    public void Every_layers_pre_activation_and_output_match_a_double_reference()
    {
        Network<double> network = OddNetwork();
        double[,] x = TestData.Normal<double>(13, 19, seed: 1);
        var pass = new ForwardPass<double>(network, maxBatch: 16);
        pass.Run(x);

        Assert.Equal(13, pass.Batch);
        double[,] input = x;
        for (int l = 0; l < network.Layers.Length; l++)
        {
            DenseLayer layer = network.Layers[l];
            ReadOnlySpan2D<double> w = network.Weights(l), z = pass.PreActivation(l), y = pass.Output(l);
            ReadOnlySpan<double> b = network.Bias(l);
            var next = new double[13, layer.Units];
            double worst = 0;
            for (int r = 0; r < 13; r++)
            {
                for (int o = 0; o < layer.Units; o++)
                {
                    double sum = b[o];
                    for (int i = 0; i < layer.InputSize; i++) sum += input[r, i] * w[i, o];
                    worst = Math.Max(worst, Math.Abs(z[r, o] - sum));
                    Assert.True(Math.Abs(z[r, o] - sum) <= 1e-12 * (1 + Math.Abs(sum)), $"layer {l} Z[{r},{o}] = {z[r, o]}, reference {sum}");
                    double reference = Reference.Value(layer.Activation, z[r, o]);
                    Assert.True(Math.Abs(y[r, o] - reference) <= 1e-12 * (1 + Math.Abs(reference)),
                        $"layer {l} Y[{r},{o}] = {y[r, o]}, f(Z) = {reference}");
                    next[r, o] = y[r, o];
                }
            }
            output.WriteLine($"layer {l}: largest |Z − reference| {worst:g3}");
            input = next;
        }
    }

    [Fact]
    public void The_last_output_is_bit_identical_to_the_trainers_prediction()
    {
        var network = new Network<float>(19, [new Dense(37, Activation.Tanh), new Dense(33, Activation.Relu), new Dense(5)], seed: 3);
        float[,] x = TestData.Normal<float>(29, 19, seed: 2);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 32);
        var predicted = new float[29, 5];
        trainer.Predict(x, predicted);

        ReadOnlySpan2D<float> outputs = new ForwardPass<float>(network, maxBatch: 32).Run(x);

        for (int r = 0; r < 29; r++)
        {
            for (int o = 0; o < 5; o++) Assert.Equal(BitConverter.SingleToInt32Bits(predicted[r, o]), BitConverter.SingleToInt32Bits(outputs[r, o]));
        }
    }

    [Fact]
    public void A_forward_pass_allocates_nothing()
    {
        var network = new Network<float>(19, [new Dense(37, Activation.Gelu), new Dense(33, Activation.Relu), new Dense(5)], seed: 3);
        float[,] x = TestData.Normal<float>(64, 19, seed: 2);
        var pass = new ForwardPass<float>(network, maxBatch: 64);
        float sink = 0;

        long bytes = SteadyState.AllocatedBytes(call =>
        {
            pass.Run(new ReadOnlySpan2D<float>(x).Slice(0, 0, 1 + call % 64, 19));
            sink += pass.PreActivation(call % 3)[0, 0] + pass.Output(call % 3)[0, 0];
        }, calls: 10_000);

        output.WriteLine($"10,000 forward passes allocated {bytes} B ({sink})");
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void A_batch_that_does_not_fit_or_a_wrong_width_is_refused()
    {
        var pass = new ForwardPass<double>(OddNetwork(), maxBatch: 4);
        Assert.Throws<ArgumentException>(() => pass.Run(new double[5, 19]));
        Assert.Throws<ArgumentException>(() => pass.Run(new double[0, 19]));
        Assert.Throws<ArgumentException>(() => pass.Run(new double[2, 18]));
        Assert.Throws<ArgumentOutOfRangeException>(() => pass.Output(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForwardPass<double>(OddNetwork(), maxBatch: 0));
    }

    [Fact]
    public void Weights_in_pytorch_layout_are_the_transpose_and_round_trip_through_double()
    {
        var network = new Network<float>(5, [new Dense(3, Activation.Relu), new Dense(2)], seed: 9);
        var torch = new double[3 * 5];
        network.CopyWeightsToPyTorchLayout<double>(0, torch);
        ReadOnlySpan2D<float> w = network.Weights(0);
        for (int o = 0; o < 3; o++)
        {
            for (int i = 0; i < 5; i++) Assert.Equal((double)w[i, o], torch[o * 5 + i]);
        }

        float[] before = network.Parameters.ToArray();
        network.Parameters.Clear();
        network.SetWeightsFromPyTorchLayout<double>(0, torch);
        Assert.Equal(before.AsSpan(0, 15).ToArray(), network.Parameters[..15].ToArray());
        Assert.Throws<ArgumentException>(() => network.CopyWeightsToPyTorchLayout<double>(1, new double[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.SetWeightsFromPyTorchLayout<float>(2, new float[6]));
    }
}
