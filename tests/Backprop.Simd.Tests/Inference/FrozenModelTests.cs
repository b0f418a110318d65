using System.Numerics.Tensors;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Inference;

public class FrozenModelTests(ITestOutputHelper output)
{
    public static TheoryData<SimdVariant> Variants() => new(SimdSupport.All);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Frozen_model_predicts_what_the_double_reference_computes(SimdVariant variant)
    {
        foreach ((int inputs, Dense[] layers) in new[] { (784, InferenceReference.W1), (19, InferenceReference.Mixed) })
        {
            var network = new Network<float>(inputs, layers, seed: 5);
            FrozenModel<float> model = FrozenModel<float>.From(network, variant);
            InferenceSession<float> session = model.CreateSession();
            var random = new Xoshiro256StarStar(6);
            for (int sample = 0; sample < 5; sample++)
            {
                float[] x = InferenceReference.RandomRow(random, inputs);
                double[] expected = InferenceReference.Forward(inputs, layers, network.Parameters, x);
                AssertClose(expected, session.Predict(x), 2e-5, variant + " " + inputs + "-input sample " + sample);
            }
        }
    }

    [Fact]
    public void Later_training_of_the_network_does_not_reach_the_frozen_model()
    {
        var network = new Network<float>(4, [new Dense(3, Activation.Relu), new Dense(2)], seed: 1);
        InferenceSession<float> session = FrozenModel<float>.From(network).CreateSession();
        float[] x = [0.5f, -1, 2, 0.25f];
        float[] before = session.Predict(x).ToArray();
        network.Parameters.Fill(7);
        Assert.Equal(before, session.Predict(x).ToArray());
    }

    [Fact]
    public void A_model_read_from_a_file_predicts_like_the_network_it_was_saved_from()
    {
        var network = new Network<float>(6, InferenceReference.Mixed, seed: 2);
        var layers = new Dense[InferenceReference.Mixed.Length];
        for (int l = 0; l < layers.Length; l++) layers[l] = new Dense(InferenceReference.Mixed[l].Units, InferenceReference.Mixed[l].Activation);
        using var file = new MemoryStream();
        NativeModelFormat.Write(file, new ModelDescription<float>(6, layers, LossKind.SoftmaxCrossEntropy, network.Parameters.ToArray()));
        file.Position = 0;
        var loaded = (ModelDescription<float>)NativeModelFormat.Read(file);

        float[] x = [1, -2, 0.5f, 3, -0.25f, 0];
        Assert.Equal(FrozenModel<float>.From(network).CreateSession().Predict(x).ToArray(),
            FrozenModel<float>.From(loaded).CreateSession().Predict(x).ToArray());
    }

    [Fact]
    public void Every_predict_overload_gives_the_same_bits_as_one_row_prediction()
    {
        const int rows = 7;
        var network = new Network<float>(19, InferenceReference.Mixed, seed: 3);
        FrozenModel<float> model = FrozenModel<float>.From(network);
        InferenceSession<float> single = model.CreateSession(), batched = model.CreateSession(maxBatch: 3);
        float[] x = InferenceReference.RandomRow(new Xoshiro256StarStar(4), rows * 19);
        var expected = new float[rows * 3];
        for (int r = 0; r < rows; r++) single.Predict(x.AsSpan(r * 19, 19), expected.AsSpan(r * 3, 3));

        var fromSpans = new float[rows * 3];
        batched.Predict(x.AsSpan().AsSpan2D(rows, 19), fromSpans.AsSpan().AsSpan2D(rows, 3));
        Assert.Equal(expected, fromSpans);

        var fromTensors = new float[rows * 3];
        batched.Predict(new ReadOnlyTensorSpan<float>(x, [rows, 19]), new TensorSpan<float>(fromTensors, [rows, 3]));
        Assert.Equal(expected, fromTensors);

        var classes = new int[rows];
        batched.PredictClasses(x.AsSpan().AsSpan2D(rows, 19), classes);
        for (int r = 0; r < rows; r++)
        {
            float largest = TensorPrimitives.Max<float>(expected.AsSpan(r * 3, 3));
            int best = Array.IndexOf(expected, largest, r * 3, 3) - r * 3;
            Assert.Equal(best, classes[r]);
            Assert.Equal(best, single.PredictClass(x.AsSpan(r * 19, 19)));
        }
    }

    [Fact]
    public void Probabilities_are_the_softmax_of_the_outputs_and_survive_huge_logits()
    {
        var network = new Network<float>(3, [new Dense(4)], seed: 8);
        network.Bias(0)[2] = 1e30f; // exp would overflow without the max shift
        InferenceSession<float> session = FrozenModel<float>.From(network).CreateSession();
        float[] x = [0.1f, 0.2f, -0.3f];
        float[] logits = session.Predict(x).ToArray();
        var probabilities = new float[4];
        session.PredictProbabilities(x, probabilities);
        double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
        AssertClose(logits.Select(v => Math.Exp(v - max) / sum).ToArray(), probabilities, 1e-6, "softmax");

        var batch = new float[2 * 4];
        session.PredictProbabilities(new float[] { 0.1f, 0.2f, -0.3f, 0.1f, 0.2f, -0.3f }.AsSpan().AsSpan2D(2, 3), batch.AsSpan().AsSpan2D(2, 4));
        Assert.Equal(probabilities.Concat(probabilities), batch);
    }

    [Fact]
    public void Wrong_sizes_are_rejected_naming_the_argument()
    {
        InferenceSession<float> session = FrozenModel<float>.From(new Network<float>(4, [new Dense(2)])).CreateSession();
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => session.Predict(new float[3])).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => session.Predict(new float[4], new float[3])).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() =>
            session.Predict(new float[8].AsSpan().AsSpan2D(2, 4), new float[6].AsSpan().AsSpan2D(3, 2))).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentException>(() =>
            session.PredictClasses(new float[8].AsSpan().AsSpan2D(2, 4), new int[1])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => FrozenModel<float>.From(new Network<float>(4, [new Dense(2)])).CreateSession(0));
    }

    private void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i]));
            if (error > worst) (worst, at) = (error, i);
        }
        output.WriteLine(what + ": largest relative difference " + worst + " at output " + at);
        Assert.True(worst <= relative, what + ": largest relative difference " + worst + " at output " + at + " exceeds " + relative);
    }
}
