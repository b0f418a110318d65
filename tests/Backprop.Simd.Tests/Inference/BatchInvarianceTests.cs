using Backprop.Simd.Inference;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Inference;

/// <summary>
/// A row's prediction never depends on the batch it came in: for every batch size 1..300 (any row position, any
/// session capacity, any thread count) each row's outputs are bit-identical to predicting that row alone, in every SIMD
/// variant and weight format.
/// </summary>
public class BatchInvarianceTests
{
    public static TheoryData<SimdVariant, WeightFormat, int> Cases()
    {
        var cases = new TheoryData<SimdVariant, WeightFormat, int>();
        foreach (SimdVariant variant in SimdSupport.All)
        foreach (WeightFormat format in Enum.GetValues<WeightFormat>())
        foreach (int threads in (int[])[1, 3])
            cases.Add(variant, format, threads);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_batch_size_from_1_to_300_gives_each_row_the_bits_of_its_single_row_prediction(SimdVariant variant,
        WeightFormat format, int threads)
    {
        const int inputs = 37, maxRows = 300;
        Dense[] layers = [new Dense(45, Activation.Relu), new Dense(19, Activation.Tanh), new Dense(7)];
        var network = new Network<float>(inputs, layers, seed: 11);
        FrozenModel<float> model = FrozenModel<float>.From(network, variant, format);
        using var pool = new WorkerPool(threads);
        InferenceSession<float> single = model.CreateSession(), batched = model.CreateSession(maxBatch: 128);
        batched.Pool = pool;
        float[] x = InferenceReference.RandomRow(new Xoshiro256StarStar(12), maxRows * inputs);
        var alone = new float[maxRows * 7];
        for (int r = 0; r < maxRows; r++) single.Predict(x.AsSpan(r * inputs, inputs), alone.AsSpan(r * 7, 7));

        // Output rows 9 apart (a pitch of 2), so a block that got its rows' addresses wrong writes where the check looks.
        const int stride = 9;
        var together = new float[maxRows * stride];
        for (int batch = 1; batch <= maxRows; batch++)
        {
            // A batch starting at a row that changes with its size, so rows meet different neighbours each time.
            int first = (batch * 7) % (maxRows - batch + 1);
            batched.Predict(new ReadOnlySpan2D<float>(x, first * inputs, batch, inputs, 0), new Span2D<float>(together, 0, batch, 7, stride - 7));
            for (int r = 0; r < batch; r++)
                Assert.True(alone.AsSpan((first + r) * 7, 7).SequenceEqual(together.AsSpan(r * stride, 7)),
                    $"{variant} {format}, {threads} threads: row {first + r} in a batch of {batch} differs from its single-row prediction");
        }
    }
}
