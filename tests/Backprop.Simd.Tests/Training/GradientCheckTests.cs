using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

public class GradientCheckTests
{
    // A wrong backpropagation term gives relative errors of order 1e-1; finite-difference noise and truncation at the
    // checker's step stay below 1e-6 here.
    private const double Tolerance = 1e-5;

    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (ActivationKind activation in Enum.GetValues<ActivationKind>())
            foreach (LossKind loss in Enum.GetValues<LossKind>())
                for (int shape = 0; shape < Shapes.Length; shape++) data.Add(activation.ToString(), loss.ToString(), shape);
        return data;
    }

    // (inputs, hidden layers, outputs, batch)
    private static readonly (int Inputs, int[] Hidden, int Outputs, int Batch)[] Shapes =
    [
        (3, [4], 2, 3),
        (2, [3, 3], 3, 1),
        (5, [], 4, 5),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backpropagation_matches_central_finite_differences(string activationName, string lossName, int shapeIndex)
    {
        Activation activation = Enum.Parse<ActivationKind>(activationName) switch
        {
            ActivationKind.LeakyRelu => Activation.LeakyRelu(0.1),
            ActivationKind.Elu => Activation.Elu(0.7),
            ActivationKind kind => new Activation(kind),
        };
        Loss loss = Enum.Parse<LossKind>(lossName) == LossKind.SoftmaxCrossEntropy
            ? Loss.CrossEntropy(labelSmoothing: 0.1)
            : new Loss(Enum.Parse<LossKind>(lossName));
        (int inputs, int[] hidden, int outputs, int batch) = Shapes[shapeIndex];

        // The activation is on every layer, the output layer included, so the output error goes through f' too.
        var layers = new Dense[hidden.Length + 1];
        for (int i = 0; i < hidden.Length; i++) layers[i] = new Dense(hidden[i], activation);
        layers[^1] = new Dense(outputs, activation);
        var network = new Network<double>(inputs, layers, seed: (ulong)(shapeIndex + 1));
        double[,] x = TestData.Normal<double>(batch, inputs, seed: 100 + (ulong)shapeIndex, scale: 1.5);

        GradientCheckResult result = loss.UsesClassLabels
            ? GradientChecker.Check(network, loss, x, TestData.Labels(batch, outputs, seed: 200))
            : GradientChecker.Check(network, loss, x,
                loss.Kind == LossKind.BinaryCrossEntropyWithLogits
                    ? TestData.Uniform01<double>(batch, outputs, seed: 300)
                    : TestData.Normal<double>(batch, outputs, seed: 300));

        Assert.True(result.WorstRelativeError < Tolerance && result.WorstInputRelativeError < Tolerance, result.ToString());
    }

    [Fact]
    public void Checker_locates_its_worst_error_by_layer_row_and_column()
    {
        // A coarse step makes the finite differences inaccurate: the checker must report a much larger error and
        // locate it consistently with the flat parameter index.
        var network = new Network<double>(3, [new Dense(4, Activation.Tanh), new Dense(2)], seed: 9);
        double[,] x = TestData.Normal<double>(4, 3, seed: 10);
        int[] labels = TestData.Labels(4, 2, seed: 11);
        GradientCheckResult fine = GradientChecker.Check(network, Loss.CrossEntropy(), x, labels, step: 1e-6);
        GradientCheckResult coarse = GradientChecker.Check(network, Loss.CrossEntropy(), x, labels, step: 0.5);

        Assert.True(fine.WorstRelativeError < Tolerance, fine.ToString());
        Assert.True(coarse.WorstRelativeError > 100 * fine.WorstRelativeError, coarse.ToString());
        DenseLayer layer = network.Layers[coarse.Layer];
        int expectedIndex = coarse.IsBias ? layer.BiasOffset + coarse.Column
            : layer.WeightOffset + coarse.Row * layer.Units + coarse.Column;
        Assert.Equal(expectedIndex, coarse.Parameter);
    }
}
