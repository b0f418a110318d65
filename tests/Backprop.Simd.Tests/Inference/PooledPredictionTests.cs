using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Inference;

/// <summary>A session with a pool shares a batch by rows: the same bits as one thread, and nothing allocated per call.</summary>
public class PooledPredictionTests
{
    private static FrozenModel<float> W1() => FrozenModel<float>.From(new Network<float>(784,
        [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 1));

    [Fact]
    public void A_W1_batch_of_1024_shared_by_two_threads_equals_one_threads_bits_and_allocates_nothing()
    {
        FrozenModel<float> model = W1();
        float[] x = InferenceReference.RandomRow(new Xoshiro256StarStar(4), 1024 * 784);
        var inputs = new ReadOnlySpan2D<float>(x, 1024, 784);
        float[] alone = new float[1024 * 10], shared = new float[1024 * 10];
        model.CreateSession(1024).Predict(inputs, new Span2D<float>(alone, 1024, 10));

        using var pool = new WorkerPool(2);
        InferenceSession<float> session = model.CreateSession(1024);
        session.Pool = pool;
        session.Predict(inputs, new Span2D<float>(shared, 1024, 10));
        Assert.Equal(alone, shared);
        Assert.Equal(0, SteadyState.AllocatedBytes(_ => session.Predict(new ReadOnlySpan2D<float>(x, 1024, 784),
            new Span2D<float>(shared, 1024, 10)), calls: 200));
    }

    [Fact]
    public void A_batch_below_the_minimum_stays_on_the_calling_thread_and_gives_the_same_bits()
    {
        FrozenModel<float> model = W1();
        float[] x = InferenceReference.RandomRow(new Xoshiro256StarStar(5), 15 * 784);
        float[] alone = new float[15 * 10], shared = new float[15 * 10];
        model.CreateSession(32).Predict(new ReadOnlySpan2D<float>(x, 15, 784), new Span2D<float>(alone, 15, 10));
        using var pool = new WorkerPool(2);
        InferenceSession<float> session = model.CreateSession(32);
        session.Pool = pool;
        session.Predict(new ReadOnlySpan2D<float>(x, 15, 784), new Span2D<float>(shared, 15, 10));
        Assert.Equal(alone, shared);
    }
}
