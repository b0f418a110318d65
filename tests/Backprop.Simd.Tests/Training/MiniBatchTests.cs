using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

public class MiniBatchTests
{
    [Fact]
    public void Gather_copies_the_named_rows_and_labels_in_order()
    {
        float[,] features = { { 0, 1 }, { 10, 11 }, { 20, 21 }, { 30, 31 } };
        int[] labels = [5, 6, 7, 8];
        var buffer = new MiniBatchBuffer<float>(capacity: 3, featureCount: 2);

        buffer.Gather(features, labels, [3, 0]);

        Assert.Equal(new float[,] { { 30, 31 }, { 0, 1 } }, buffer.Features.ToArray());
        Assert.Equal([8, 5], buffer.Labels.ToArray());
    }

    [Fact]
    public void Gather_rejects_an_index_outside_the_data_and_too_many_rows()
    {
        float[,] features = { { 0, 1 }, { 10, 11 } };
        var buffer = new MiniBatchBuffer<float>(capacity: 2, featureCount: 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Gather(features, [0, 1], [2]));
        Assert.Equal("indices", e.ParamName);
        Assert.Throws<ArgumentException>(() => buffer.Gather(features, [0, 1], [0, 1, 0]));
    }

    [Fact]
    public void A_gather_shared_by_a_pool_copies_the_same_rows_and_a_bad_index_copies_none()
    {
        const int rows = 5000, width = 781, batch = 127;
        var random = new Randomness.Xoshiro256StarStar(9);
        float[] data = new float[rows * width];
        for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextUniform(-1, 1);
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) labels[i] = i % 10;
        int[] order = new int[rows];
        MiniBatch.FillSequence(order);
        random.Shuffle<int>(order);
        var features = new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>(data, rows, width);
        float[] alone = new float[batch * width], shared = new float[batch * width];
        int[] aloneLabels = new int[batch], sharedLabels = new int[batch];
        MiniBatch.Gather(features, labels, order.AsSpan(0, batch), new CommunityToolkit.HighPerformance.Span2D<float>(alone, batch, width), aloneLabels);
        foreach (int threads in (int[])[2, 3])
        {
            using var pool = new Threading.WorkerPool(threads);
            MiniBatch.Gather(features, labels, order.AsSpan(0, batch), new CommunityToolkit.HighPerformance.Span2D<float>(shared, batch, width),
                sharedLabels, pool);
            Assert.Equal(alone, shared);
            Assert.Equal(aloneLabels, sharedLabels);

            int[] bad = order[..batch];
            bad[100] = rows;
            var untouched = new float[batch * width];
            string? refused = null;
            try
            {
                MiniBatch.Gather(features, labels, bad, new CommunityToolkit.HighPerformance.Span2D<float>(untouched, batch, width), new int[batch], pool);
            }
            catch (ArgumentOutOfRangeException e) { refused = e.ParamName; }
            Assert.Equal("indices", refused);
            Assert.All(untouched, value => Assert.Equal(0f, value));
        }
    }
}
