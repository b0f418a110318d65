using System.Numerics.Tensors;
using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

public class BadInputTests
{
    private static Trainer<float> Classifier() =>
        new(new Network<float>(3, [new Dense(4, Activation.Relu), new Dense(2)], seed: 1), Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 4);

    private static Trainer<float> Regressor() =>
        new(new Network<float>(3, [new Dense(4, Activation.Relu), new Dense(2)], seed: 1), Loss.MeanSquaredError, OptimizerSettings.Adam(), maxBatch: 4);

    private static void AssertMessageNames(ArgumentException exception, string argument, params string[] sizes)
    {
        Assert.Equal(argument, exception.ParamName);
        foreach (string size in sizes) Assert.Contains(size, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_input_width_names_inputs_and_both_widths()
    {
        var e = Assert.Throws<ArgumentException>(() => Classifier().Step(new float[2, 5], new int[2]));
        AssertMessageNames(e, "inputs", "5", "3");
        e = Assert.Throws<ArgumentException>(() => Classifier().Predict(new float[2, 5], new float[2, 2]));
        AssertMessageNames(e, "inputs", "5", "3");
    }

    [Fact]
    public void A_batch_larger_than_the_maximum_names_inputs_and_both_sizes()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Classifier().Step(new float[5, 3], new int[5]));
        AssertMessageNames(e, "inputs", "5", "4");
        Assert.Throws<ArgumentOutOfRangeException>(() => Classifier().Step(new float[0, 3], Array.Empty<int>()));
    }

    [Fact]
    public void A_label_out_of_range_names_labels_the_index_the_value_and_the_class_count()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Classifier().Step(new float[3, 3], [0, 2, 1]));
        AssertMessageNames(e, "labels", "labels[1]", "2 outputs");
        Assert.Throws<ArgumentOutOfRangeException>(() => Classifier().Step(new float[1, 3], [-1]));
    }

    [Fact]
    public void A_label_count_that_differs_from_the_batch_names_labels()
    {
        var e = Assert.Throws<ArgumentException>(() => Classifier().Step(new float[3, 3], [0, 1]));
        AssertMessageNames(e, "labels", "2", "3");
    }

    [Fact]
    public void A_target_shape_mismatch_names_targets_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Regressor().Step(new float[3, 3], new float[3, 1]));
        AssertMessageNames(e, "targets", "[3, 1]", "[3, 2]");
        e = Assert.Throws<ArgumentException>(() => Regressor().Predict(new float[3, 3], new float[2, 2]));
        AssertMessageNames(e, "outputs", "[2, 2]", "[3, 2]");
    }

    [Fact]
    public void Labels_for_a_target_loss_and_targets_for_a_label_loss_are_rejected()
    {
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Regressor().Step(new float[1, 3], [0])).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => Classifier().Step(new float[1, 3], new float[1, 2])).ParamName);
    }

    [Fact]
    public void A_tensor_that_is_not_a_batch_matrix_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Classifier().Step(new ReadOnlyTensorSpan<float>(new float[6]), [0]));
        Assert.Equal("inputs", e.ParamName);
    }

    [Fact]
    public void Tensor_spans_train_and_predict_like_2d_spans()
    {
        float[] x = [1, 2, 3, 4, 5, 6];
        Trainer<float> viaTensor = Classifier(), viaSpan = Classifier();
        float lossTensor = viaTensor.Step(new ReadOnlyTensorSpan<float>(x, [2, 3]), [0, 1]);
        float lossSpan = viaSpan.Step(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, [0, 1]);
        Assert.Equal(lossSpan, lossTensor);
        var outputs = new float[4];
        viaTensor.Predict(new ReadOnlyTensorSpan<float>(x, [2, 3]), new TensorSpan<float>(outputs, [2, 2]));
        var expected = new float[2, 2];
        viaSpan.Predict(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, expected);
        Assert.Equal(expected.Cast<float>(), outputs);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_naming_the_first_layer_and_leaves_parameters_unchanged()
    {
        Trainer<float> trainer = Classifier();
        trainer.Step(new float[,] { { 1, 2, 3 } }, [1]);
        float[] parameters = trainer.Network.Parameters.ToArray();
        float[] moments = trainer.Optimizer.Buffer(1).ToArray();

        // Weights of 1e38 times inputs of 10 overflow float: layer 0's outputs become +∞, layer 1's ∞ − ∞ = NaN.
        trainer.Network.Weights(0).Fill(1e38f);
        parameters = trainer.Network.Parameters.ToArray();
        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.Step(new float[,] { { 10, 10, 10 } }, [0]));

        Assert.Equal(NonFiniteQuantity.Activations, e.Quantity);
        Assert.Equal(0, e.Layer);
        Assert.Contains("layer 0", e.Message, StringComparison.Ordinal);
        Assert.True(parameters.AsSpan().SequenceEqual(trainer.Network.Parameters), "parameters changed");
        Assert.True(moments.AsSpan().SequenceEqual(trainer.Optimizer.Buffer(1)), "optimizer state changed");
        Assert.Equal(1, trainer.StepCount);
    }

    [Fact]
    public void An_infinite_target_is_reported_as_a_non_finite_loss()
    {
        Trainer<float> trainer = Regressor();
        var e = Assert.Throws<NonFiniteTrainingException>(() =>
            trainer.Step(new float[,] { { 1, 2, 3 } }, new float[,] { { float.PositiveInfinity, 0 } }));
        Assert.Equal(NonFiniteQuantity.Loss, e.Quantity);
        Assert.Equal(0, trainer.StepCount);
    }

    [Fact]
    public void The_skip_policy_counts_the_step_and_leaves_parameters_unchanged()
    {
        Trainer<float> trainer = Classifier();
        trainer.NonFinitePolicy = NonFinitePolicy.SkipStep;

        trainer.Network.Weights(0).Fill(1e38f);
        float[] parameters = trainer.Network.Parameters.ToArray();

        float loss = trainer.Step(new float[,] { { 10, 10, 10 } }, [0]);

        Assert.True(float.IsNaN(loss));
        Assert.Equal(1, trainer.SkippedSteps);
        Assert.Equal(0, trainer.StepCount);
        Assert.True(parameters.AsSpan().SequenceEqual(trainer.Network.Parameters), "parameters changed");
        trainer.Network.Initialize(seed: 1);
        trainer.Step(new float[,] { { 1, 2, 3 } }, [0]);
        Assert.Equal(1, trainer.StepCount);
    }

    [Fact]
    public void Gradients_that_overflow_while_the_loss_is_finite_are_caught_in_the_layer_where_they_overflow()
    {
        // Hidden unit 0 is switched off (zero weights and bias), so its outgoing weight of 1e38 adds 0 to the outputs
        // and the loss is finite; backward, δ₀ = δ₁·W₁ᵀ ≈ 2e38 (label 1 is the unlikely class) and ∂W₀ = Xᵀ·δ₀ with inputs of 100 overflows.
        var network = new Network<float>(3, [new Dense(4), new Dense(2)], seed: 1);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 1);
        for (int i = 0; i < 3; i++) network.Weights(0)[i, 0] = 0;
        network.Bias(0)[0] = 0;
        network.Weights(1)[0, 0] = 1e38f;
        network.Weights(1)[0, 1] = -1e38f;
        float[] parameters = network.Parameters.ToArray();

        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.Step(new float[,] { { 100, 100, 100 } }, [1]));

        Assert.Equal(NonFiniteQuantity.Gradients, e.Quantity);
        Assert.Equal(0, e.Layer);
        Assert.True(parameters.AsSpan().SequenceEqual(network.Parameters), "parameters changed");
    }

    [Fact]
    public void Invalid_construction_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Network<float>(0, [new Dense(1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Network<float>(2, [new Dense(0)]));
        Assert.Throws<ArgumentException>(() => new Network<float>(2, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<float>(new Network<float>(2, [new Dense(1)]), Loss.MeanSquaredError, OptimizerSettings.Adam(), 0));
        Assert.Throws<ArgumentException>(() => new Trainer<float>(new Network<float>(2, [new Dense(1)]), Loss.MeanSquaredError, OptimizerSettings.Adam(beta1: 1), 1));
    }
}
