using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void Constructor_wraps_the_arrays_without_copying()
    {
        float[] features = [1, 2, 3, 4, 5, 6];
        int[] labels = [1, 0, 1];

        var data = new Dataset("tiny", features, labels, 2, ["no", "yes"]);

        Assert.Equal(3, data.SampleCount);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal(2, data.ClassCount);
        Assert.Equal([1, 2], data.CountPerClass());
        Assert.True(data.FeatureMemory.Span == features.AsSpan(), "FeatureMemory is not the given array");
        Assert.Equal("tiny: 3 samples × 2 features, 2 classes", data.ToString());
    }

    [Fact]
    public void Subset_copies_the_chosen_rows_and_labels_in_order()
    {
        var data = new Dataset("tiny", [1, 2, 3, 4, 5, 6], [1, 0, 1], 2, ["no", "yes"], new ImageShape(1, 2));

        Dataset subset = data.Subset([2, 0, 2], "pick");

        Assert.Equal("pick", subset.Name);
        Assert.Equal([5f, 6f, 1f, 2f, 5f, 6f], subset.FeatureMemory.ToArray());
        Assert.Equal([1, 1, 1], subset.Labels.ToArray());
        Assert.Equal(data.ImageShape, subset.ImageShape);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([3]));
    }

    [Fact]
    public void Constructor_rejects_sizes_that_disagree_naming_the_argument()
    {
        Assert.Equal("features",
            Assert.Throws<ArgumentException>(() => new Dataset("x", new float[5], new int[3], 2, ["a"])).ParamName);
        Assert.Equal("imageShape",
            Assert.Throws<ArgumentException>(() => new Dataset("x", new float[4], new int[2], 2, ["a"], new ImageShape(2, 2))).ParamName);
        Assert.Equal("labels",
            Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset("x", new float[4], [0, 2], 2, ["a", "b"])).ParamName);
        Assert.Equal("classNames",
            Assert.Throws<ArgumentException>(() => new Dataset("x", new float[4], new int[2], 2, [])).ParamName);
    }
}
