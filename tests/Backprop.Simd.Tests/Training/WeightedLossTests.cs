using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

/// <summary>Sample and class weights with PyTorch's semantics: the weighted mean divides by the weights of the targets.</summary>
public class WeightedLossTests
{
    private const int Rows = 7, Features = 4, Classes = 3;
    private static readonly double[] SampleWeights = [0.5, 2, 1, 0, 3, 1.5, 0.25];
    private static readonly double[] ClassWeights = [0.2, 1, 3];

    private static Trainer<double> CrossEntropyTrainer(double smoothing)
    {
        var network = new Network<double>(Features, [new Dense(5, Activation.Tanh), new Dense(Classes)], seed: 1);
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(smoothing), OptimizerSettings.Sgd(0.1), Rows);
        trainer.SetClassWeights(ClassWeights);
        return trainer;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void Weighted_cross_entropy_is_pytorchs_sum_of_weighted_losses_over_the_sum_of_target_weights(double smoothing)
    {
        Trainer<double> trainer = CrossEntropyTrainer(smoothing);
        double[,] x = TestData.Normal<double>(Rows, Features, seed: 2);
        int[] labels = TestData.Labels(Rows, Classes, seed: 3);
        var logits = new double[Rows, Classes];
        trainer.Predict(x, logits);

        double numerator = 0, denominator = 0;
        for (int b = 0; b < Rows; b++)
        {
            double max = Enumerable.Range(0, Classes).Max(c => logits[b, c]);
            double lse = max + Math.Log(Enumerable.Range(0, Classes).Sum(c => Math.Exp(logits[b, c] - max)));
            int l = labels[b];
            double loss = (1 - smoothing) * ClassWeights[l] * (lse - logits[b, l])
                + smoothing / Classes * Enumerable.Range(0, Classes).Sum(c => ClassWeights[c] * (lse - logits[b, c]));
            numerator += SampleWeights[b] * loss;
            denominator += SampleWeights[b] * ClassWeights[l];
        }

        Assert.Equal(numerator / denominator, trainer.ComputeLoss(x, labels, SampleWeights), 13);
    }

    private static void AssertGradientMatchesFiniteDifferences(Trainer<double> trainer, Func<double> loss, Func<double> gradients)
    {
        gradients();
        double[] analytic = trainer.Gradients.ToArray();
        Span<double> parameters = trainer.Network.Parameters;
        const double h = 1e-6;
        (double worst, int where) = (0, -1);
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double plus = loss();
            parameters[i] = saved - h;
            double minus = loss();
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(1e-4, Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])));
            if (error > worst) (worst, where) = (error, i);
        }
        Assert.True(worst < 1e-6, $"worst relative error {worst:E3} at parameter {where}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Gradient_of_weighted_cross_entropy_matches_finite_differences(double smoothing)
    {
        Trainer<double> trainer = CrossEntropyTrainer(smoothing);
        double[,] x = TestData.Normal<double>(Rows, Features, seed: 4);
        int[] labels = TestData.Labels(Rows, Classes, seed: 5);
        AssertGradientMatchesFiniteDifferences(trainer, () => trainer.ComputeLoss(x, labels, SampleWeights),
            () => trainer.ComputeGradients(x, labels, SampleWeights));
    }

    [Theory]
    [InlineData(LossKind.MeanSquaredError)]
    [InlineData(LossKind.BinaryCrossEntropyWithLogits)]
    public void Gradient_of_sample_weighted_target_losses_matches_finite_differences(LossKind kind)
    {
        var network = new Network<double>(Features, [new Dense(5, Activation.Sigmoid), new Dense(2)], seed: 6);
        var trainer = new Trainer<double>(network, new Loss(kind), OptimizerSettings.Sgd(0.1), Rows);
        double[,] x = TestData.Normal<double>(Rows, Features, seed: 7);
        double[,] targets = TestData.Uniform01<double>(Rows, 2, seed: 8);
        AssertGradientMatchesFiniteDifferences(trainer, () => trainer.ComputeLoss(x, targets, SampleWeights),
            () => trainer.ComputeGradients(x, targets, SampleWeights));
    }

    [Fact]
    public void A_sample_weight_of_two_is_the_same_as_the_row_appearing_twice()
    {
        var network = new Network<double>(Features, [new Dense(Classes)], seed: 9);
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), 4);
        double[,] x = TestData.Normal<double>(3, Features, seed: 10);
        int[] labels = [0, 2, 1];
        double weighted = trainer.ComputeGradients(x, labels, [1.0, 2.0, 1.0]);
        double[] weightedGradients = trainer.Gradients.ToArray();

        double[,] repeated = new double[4, Features];
        for (int c = 0; c < Features; c++) (repeated[0, c], repeated[1, c], repeated[2, c], repeated[3, c]) = (x[0, c], x[1, c], x[1, c], x[2, c]);
        double plain = trainer.ComputeGradients(repeated, [0, 2, 2, 1]);

        Assert.Equal(plain, weighted, 14);
        Model.HandCheckedNetworkTests.AssertClose(trainer.Gradients.ToArray(), weightedGradients, "gradient", 1e-14);
    }

    [Fact]
    public void Weighted_evaluation_over_chunks_equals_the_weighted_loss_of_one_batch()
    {
        Trainer<double> whole = CrossEntropyTrainer(0.1);
        var chunked = new Trainer<double>(whole.Network, whole.Loss, OptimizerSettings.Sgd(), maxBatch: 3);
        chunked.SetClassWeights(ClassWeights);
        double[,] x = TestData.Normal<double>(Rows, Features, seed: 11);
        int[] labels = TestData.Labels(Rows, Classes, seed: 12);

        EvaluationResult result = Evaluation.Evaluate(chunked, new FitData<double>(x, labels, SampleWeights));

        Assert.Equal(whole.ComputeLoss(x, labels, SampleWeights), result.Loss, 14);
    }

    [Fact]
    public void Fit_loop_reports_the_weighted_epoch_loss()
    {
        // With a zero learning rate every step sees the same network, so the epoch's loss is the weighted loss of all rows.
        Trainer<double> trainer = CrossEntropyTrainer(0);
        var frozen = new Trainer<double>(trainer.Network, trainer.Loss, OptimizerSettings.Sgd(0), maxBatch: 3);
        frozen.SetClassWeights(ClassWeights);
        double[,] x = TestData.Normal<double>(Rows, Features, seed: 13);
        int[] labels = TestData.Labels(Rows, Classes, seed: 14);
        var data = new FitData<double>(x, labels, SampleWeights);

        FitResult result = new FitLoop<double>(frozen, data, options: new FitOptions { Epochs = 1, Seed = 3 }).Run();

        Assert.Equal(trainer.ComputeLoss(x, labels, SampleWeights), result.History[0].TrainLoss, 14);
    }

    [Fact]
    public void Bad_weights_are_rejected_naming_the_argument()
    {
        Trainer<double> trainer = CrossEntropyTrainer(0);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => trainer.SetClassWeights([1.0, 2.0])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.SetClassWeights([1.0, -1.0, 1.0])).ParamName);
        Assert.Equal("sampleWeights", Assert.Throws<ArgumentException>(
            () => trainer.Step(new double[2, Features], [0, 1], [1.0])).ParamName);
        var mse = new Trainer<double>(trainer.Network, Loss.MeanSquaredError, OptimizerSettings.Sgd(), 2);
        Assert.Throws<ArgumentException>(() => mse.SetClassWeights(ClassWeights));
        trainer.SetClassWeights([]);
        Assert.True(trainer.ClassWeights.IsEmpty);
    }
}
