using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Training;

public class DigitsTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void A_64_32_10_relu_network_reaches_96_percent_on_a_held_out_stratified_fifth()
    {
        (float[,] pixels, int[] labels) = DigitsFixture.Load();
        Assert.Equal(1797, labels.Length);
        (float[,] trainX, int[] trainY, float[,] testX, int[] testY) = StratifiedSplit(pixels, labels, testFraction: 0.2, seed: 2024);

        var network = new Network<float>(64, [new Dense(32, Activation.Relu), new Dense(10)], seed: 7);
        const int batch = 32, epochs = 30;
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(learningRate: 3e-3), batch);
        var random = new Xoshiro256StarStar(11);
        var order = new int[trainY.Length];
        MiniBatch.FillSequence(order);
        var miniBatch = new MiniBatchBuffer<float>(batch, 64);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle<int>(order);
            for (int start = 0; start < order.Length; start += batch)
            {
                miniBatch.Gather(trainX, trainY, order.AsSpan(start, Math.Min(batch, order.Length - start)));
                trainer.Step(miniBatch.Features, miniBatch.Labels);
            }
        }

        var predicted = new int[testY.Length];
        trainer.PredictClasses(testX, predicted);
        double accuracy = predicted.Zip(testY).Count(p => p.First == p.Second) / (double)testY.Length;
        output.WriteLine($"held-out accuracy {accuracy:P2} on {testY.Length} digits after {epochs} epochs");
        Assert.True(accuracy >= 0.96, $"held-out accuracy {accuracy:P2} < 96%");
    }

    // The first fifth (rounded) of each class, after a seeded shuffle, is held out.
    private static (float[,], int[], float[,], int[]) StratifiedSplit(float[,] x, int[] y, double testFraction, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (IGrouping<int, int> group in Enumerable.Range(0, y.Length).GroupBy(i => y[i]).OrderBy(g => g.Key))
        {
            int[] members = group.ToArray();
            random.Shuffle<int>(members);
            int held = (int)Math.Round(members.Length * testFraction);
            test.AddRange(members[..held]);
            train.AddRange(members[held..]);
        }
        return (Rows(x, train), train.Select(i => y[i]).ToArray(), Rows(x, test), test.Select(i => y[i]).ToArray());
    }

    private static float[,] Rows(float[,] x, List<int> rows)
    {
        var result = new float[rows.Count, x.GetLength(1)];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < x.GetLength(1); c++) result[r, c] = x[rows[r], c];
        return result;
    }
}
