using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.IO;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Inference;

/// <summary>Issue 14, item 3: NaN and infinity never reach an answer silently.</summary>
public class NonFiniteInferenceTests
{
    private static Network<float> SmallNetwork() => new(6, [new Dense(5, Activation.Relu), new Dense(3)], seed: 3);

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_session_refuses_a_non_finite_input_instead_of_answering_class_0(float bad)
    {
        InferenceSession<float> session = FrozenModel<float>.From(SmallNetwork()).CreateSession();
        float[] row = [0.1f, 0.2f, 0.3f, bad, 0.5f, 0.6f];
        var error = Assert.Throws<ArgumentException>(() => session.PredictClass(row));
        Assert.Contains("column 3", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => session.Predict(row));
    }

    [Fact]
    public void A_batch_with_one_non_finite_input_is_refused_naming_its_row()
    {
        InferenceSession<float> session = FrozenModel<float>.From(SmallNetwork()).CreateSession(maxBatch: 2);
        var inputs = new float[5 * 6];
        inputs[3 * 6 + 1] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() =>
            session.PredictClasses(new ReadOnlySpan2D<float>(inputs, 5, 6), new int[5]));
        Assert.Contains("row 3", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() =>
            session.Predict(new ReadOnlySpan2D<float>(inputs, 5, 6), new Span2D<float>(new float[15], 5, 3)));
    }

    [Fact]
    public void Finite_inputs_still_predict()
    {
        InferenceSession<float> session = FrozenModel<float>.From(SmallNetwork()).CreateSession();
        Assert.InRange(session.PredictClass([0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]), 0, 2);
    }

    [Fact]
    public void A_model_with_a_non_finite_weight_cannot_be_frozen()
    {
        // The native format keeps NaN bit-exactly (a checkpoint is a faithful copy); freezing it for prediction is refused.
        ModelDescription<float> model = ModelSamples.Create<float>(withOptimizer: false);
        var error = Assert.Throws<ModelFormatException>(() => FrozenModel<float>.From(model));
        Assert.Contains("non-finite", error.Message, StringComparison.Ordinal);
        Network<float> network = SmallNetwork();
        network.Parameters[7] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => FrozenModel<float>.From(network, WeightFormat.BFloat16));
    }
}
