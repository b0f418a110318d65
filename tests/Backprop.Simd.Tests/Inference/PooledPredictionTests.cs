using Backprop.Simd.Inference;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Inference;

/// <summary>A session with a pool shares a batch by rows, a short one by columns: the same bits as one thread, and nothing allocated per call.</summary>
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

    // W1, and a shape that is no multiple of any vector width, whose first layer splits into unequal parts (320 padded
    // columns: 5 AVX-512 panels, 10 AVX2 panels, cut 4 + 4 + 2 for three threads).
    public static TheoryData<SimdVariant, WeightFormat, int> Formats()
    {
        var cases = new TheoryData<SimdVariant, WeightFormat, int>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (WeightFormat format in Enum.GetValues<WeightFormat>())
        foreach (int inputs in (int[])[784, 781])
            cases.Add(variant, format, inputs);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Batches_below_the_minimum_shared_by_columns_give_each_row_its_single_thread_bits(SimdVariant variant, WeightFormat format,
        int inputs)
    {
        Dense[] layers = inputs == 784 ? InferenceReference.W1 : [new Dense(300, Activation.Relu), new Dense(7)];
        int outputs = layers[^1].Units;
        var network = new Network<float>(inputs, layers, seed: 1);
        FrozenModel<float> model = FrozenModel<float>.From(network, variant, format);
        Assert.True(model.SharesColumns(0), "the first layer should be shared by columns");
        const int maxRows = InferenceSession<float>.MinimumParallelRows - 1;
        float[] x = InferenceReference.RandomRow(new Xoshiro256StarStar(5), maxRows * inputs);
        var alone = new float[maxRows * outputs];
        InferenceSession<float> single = model.CreateSession();
        for (int r = 0; r < maxRows; r++) single.Predict(x.AsSpan(r * inputs, inputs), alone.AsSpan(r * outputs, outputs));

        foreach (int threads in (int[])[2, 3])
        {
            using var pool = new WorkerPool(threads);
            InferenceSession<float> session = model.CreateSession(maxRows);
            session.Pool = pool;
            Assert.True(alone.AsSpan(0, outputs).SequenceEqual(session.Predict(x.AsSpan(0, inputs))), $"{variant} {format}, {threads} threads: one row");
            var shared = new float[maxRows * outputs];
            for (int batch = 1; batch <= maxRows; batch++)
            {
                session.Predict(new ReadOnlySpan2D<float>(x, batch, inputs), new Span2D<float>(shared, batch, outputs));
                Assert.True(alone.AsSpan(0, batch * outputs).SequenceEqual(shared.AsSpan(0, batch * outputs)),
                    $"{variant} {format}, {threads} threads: a batch of {batch} differs from its rows predicted alone");
            }
        }
    }

    [Fact]
    public void One_row_shared_by_two_threads_allocates_nothing()
    {
        FrozenModel<float> model = W1();
        float[] x = InferenceReference.RandomRow(new Xoshiro256StarStar(6), 784);
        using var pool = new WorkerPool(2);
        InferenceSession<float> session = model.CreateSession();
        session.Pool = pool;
        Assert.Equal(0, SteadyState.AllocatedBytes(_ => session.Predict(x), calls: 2000));
    }
}
