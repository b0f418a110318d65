using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Training;

public class EvaluationTests
{
    [Fact]
    public void Loss_over_chunks_equals_the_loss_of_one_batch_of_every_row()
    {
        var network = new Network<double>(5, [new Dense(7, Activation.Relu), new Dense(4)], seed: 1);
        double[,] x = TestData.Normal<double>(23, 5, seed: 2);
        int[] labels = TestData.Labels(23, 4, seed: 3);
        var whole = new Trainer<double>(network, Loss.CrossEntropy(0.1), OptimizerSettings.Sgd(), 23);
        var chunked = new Trainer<double>(network, Loss.CrossEntropy(0.1), OptimizerSettings.Sgd(), 5);

        EvaluationResult result = Evaluation.Evaluate(chunked, x, labels);

        var predicted = new int[23];
        whole.PredictClasses(x, predicted);
        Assert.Equal(whole.ComputeLoss(x, labels), result.Loss, 14);
        Assert.Equal(predicted.Zip(labels).Count(p => p.First == p.Second) / 23.0, result.Accuracy);
        Assert.Equal(23, result.Count);
    }

    [Fact]
    public void Confusion_matrix_counts_actual_against_predicted_with_sklearn_precision_and_recall()
    {
        var matrix = new ConfusionMatrix(3);
        (int Actual, int Predicted)[] pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (1, 1), (1, 0), (2, 1)];
        foreach ((int a, int p) in pairs) matrix.Add(a, p);

        Assert.Equal(new int[,] { { 2, 1, 0 }, { 1, 3, 0 }, { 0, 1, 0 } }, matrix.ToArray());
        Assert.Equal(5 / 8.0, matrix.Accuracy);
        Assert.Equal(2 / 3.0, matrix.Precision(0));
        Assert.Equal(3 / 5.0, matrix.Precision(1));
        Assert.Equal(2 / 3.0, matrix.Recall(0));
        Assert.Equal(3 / 4.0, matrix.Recall(1));
        Assert.Equal(2 * 0.6 * 0.75 / 1.35, matrix.F1(1), 15);
        Assert.True(double.IsNaN(matrix.Precision(2))); // class 2 was never predicted
        Assert.Equal(0, matrix.Recall(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(3, 0));
    }

    [Fact]
    public void Confusion_matrix_of_a_trainer_agrees_with_its_predicted_classes()
    {
        var network = new Network<float>(4, [new Dense(3)], seed: 4);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(), 4);
        float[,] x = TestData.Normal<float>(10, 4, seed: 5);
        int[] labels = TestData.Labels(10, 3, seed: 6);
        var predicted = new int[10];
        trainer.PredictClasses(x, predicted);

        ConfusionMatrix matrix = Evaluation.ConfusionMatrix(trainer, x, labels);

        Assert.Equal(10, matrix.Total);
        for (int i = 0; i < 10; i++) Assert.True(matrix[labels[i], predicted[i]] > 0);
        Assert.Equal(Evaluation.Evaluate(trainer, x, labels).Accuracy, matrix.Accuracy, 15);
    }

    [Fact]
    public void A_frozen_model_is_measured_through_its_session_in_chunks_as_the_trainer_measures_it()
    {
        var network = new Network<double>(5, [new Dense(7, Activation.Relu), new Dense(4)], seed: 7);
        double[,] x = TestData.Normal<double>(23, 5, seed: 8);
        int[] labels = TestData.Labels(23, 4, seed: 9);
        var trainer = new Trainer<double>(network, Loss.CrossEntropy(0.1), OptimizerSettings.Sgd(), 23);
        InferenceSession<double> session = FrozenModel<double>.From(network).CreateSession(maxBatch: 5);
        var data = new FitData<double>(new ReadOnlyMemory2D<double>(x), labels);

        EvaluationResult result = Evaluation.Evaluate(session, Loss.CrossEntropy(0.1), data);
        EvaluationResult reference = Evaluation.Evaluate(trainer, x, labels);

        // The session sums each output from the bias on, the trainer adds the bias last: equal to rounding.
        Assert.Equal(reference.Loss, result.Loss, 12);
        Assert.Equal(reference.Accuracy, result.Accuracy);
        Assert.Equal(23, result.Count);
        Assert.Equal(Evaluation.ConfusionMatrix(trainer, x, labels).ToArray(), Evaluation.ConfusionMatrix(session, x, labels).ToArray());
    }

    [Fact]
    public void A_session_evaluation_rejects_labels_out_of_range_and_the_wrong_kind_of_target()
    {
        var network = new Network<float>(4, [new Dense(3)], seed: 4);
        InferenceSession<float> session = FrozenModel<float>.From(network).CreateSession(4);
        float[,] x = TestData.Normal<float>(6, 4, seed: 5);
        var bad = new FitData<float>(new ReadOnlyMemory2D<float>(x), new[] { 0, 1, 2, 3, 0, 1 });

        Assert.Throws<ArgumentOutOfRangeException>(() => Evaluation.Evaluate(session, Loss.CrossEntropy(), bad));
        Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(session, Loss.MeanSquaredError, bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => Evaluation.ConfusionMatrix(session, x, [0, 1, 2, 3, 0, 1]));
    }
}
