using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Inference;

public class PublishedModelTests
{
    private static readonly Dense[] Layers = [new(16, Activation.Tanh), new(16, Activation.Relu), new(4)];

    // Every parameter equal to c: any mix of two generations' layers gives an output neither generation gives.
    private static FrozenModel<float> Uniform(float c)
    {
        var network = new Network<float>(8, Layers);
        network.Parameters.Fill(c);
        return FrozenModel<float>.From(network);
    }

    [Fact]
    public void Readers_see_the_old_or_the_new_weights_never_a_mix()
    {
        FrozenModel<float> a = Uniform(0.01f), b = Uniform(0.02f);
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        float[] outputA = a.CreateSession().Predict(x).ToArray(), outputB = b.CreateSession().Predict(x).ToArray();
        Assert.NotEqual(outputA, outputB);

        var served = new PublishedModel<float>(a);
        long seenA = 0, seenB = 0, mixed = 0;
        bool stop = false;
        var readers = new Thread[3];
        for (int t = 0; t < readers.Length; t++)
        {
            readers[t] = new Thread(() =>
            {
                InferenceSession<float> session = served.CreateSession();
                var y = new float[4];
                long ownA = 0, ownB = 0, ownMixed = 0;
                while (!Volatile.Read(ref stop))
                {
                    session.Predict(x, y);
                    if (y.AsSpan().SequenceEqual(outputA)) ownA++;
                    else if (y.AsSpan().SequenceEqual(outputB)) ownB++;
                    else ownMixed++;
                }
                Interlocked.Add(ref seenA, ownA);
                Interlocked.Add(ref seenB, ownB);
                Interlocked.Add(ref mixed, ownMixed);
            });
            readers[t].Start();
        }
        for (int publish = 0; publish < 20_000; publish++) served.Publish(publish % 2 == 0 ? b : a);
        Volatile.Write(ref stop, true);
        foreach (Thread reader in readers) reader.Join();

        Assert.Equal(20_000, served.Generation);
        Assert.Equal(0, mixed);
        Assert.True(seenA + seenB > 0);
    }

    [Fact]
    public void Training_reaches_served_predictions_only_when_published()
    {
        var network = new Network<float>(8, Layers, seed: 1);
        var served = new PublishedModel<float>(FrozenModel<float>.From(network));
        InferenceSession<float> session = served.CreateSession();
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        float[] before = session.Predict(x).ToArray();

        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.1), maxBatch: 1);
        trainer.Step(x.AsSpan().AsSpan2D(1, 8), [2]);
        Assert.Equal(before, session.Predict(x).ToArray());

        FrozenModel<float> published = served.Publish(network);
        Assert.Same(published, session.Model);
        Assert.Equal(published.CreateSession().Predict(x).ToArray(), session.Predict(x).ToArray());
        Assert.NotEqual(before, session.Predict(x).ToArray());
    }

    [Fact]
    public void A_model_of_another_shape_cannot_be_published()
    {
        var served = new PublishedModel<float>(Uniform(1));
        var other = FrozenModel<float>.From(new Network<float>(8, [new Dense(16), new Dense(15), new Dense(4)]));
        Assert.Equal("model", Assert.Throws<ArgumentException>(() => served.Publish(other)).ParamName);
    }
}
