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
}
