using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class StandardizationTests
{
    private static Dataset Table(float[] features, int[] labels) =>
        new("table", features, labels, features.Length / labels.Length, ["a", "b"]);

    [Fact]
    public void Fit_computes_mean_and_population_deviation_per_feature()
    {
        // Feature 0: 1, 2, 3, 6 (mean 3, variance 3.5); feature 1 is constant.
        Dataset train = Table([1, 5, 2, 5, 3, 5, 6, 5], [0, 1, 0, 1]);

        Standardization s = Standardization.Fit(train);

        Assert.Equal([3f, 5f], s.Mean.ToArray());
        Assert.Equal(MathF.Sqrt(3.5f), s.StandardDeviation[0], 6);
        Assert.Equal(1f, s.StandardDeviation[1]);
    }

    [Fact]
    public void Training_features_get_zero_mean_and_unit_deviation_and_test_features_use_the_training_statistics()
    {
        Dataset train = Table([1, 5, 2, 5, 3, 5, 6, 5], [0, 1, 0, 1]);
        Dataset test = Table([3, 7, 6.741657f, 5], [1, 0]);
        Standardization s = Standardization.Fit(train);

        Dataset trainScaled = s.Apply(train);
        Dataset testScaled = s.Apply(test);

        float[] t = trainScaled.FeatureMemory.ToArray();
        Assert.Equal(0f, (t[0] + t[2] + t[4] + t[6]) / 4, 6);
        Assert.Equal(1f, (t[0] * t[0] + t[2] * t[2] + t[4] * t[4] + t[6] * t[6]) / 4, 5);
        Assert.Equal([0f, 0f, 0f, 0f], new[] { t[1], t[3], t[5], t[7] });
        float[] u = testScaled.FeatureMemory.ToArray();
        Assert.Equal(0f, u[0], 6);
        Assert.Equal(2f, u[1]);
        Assert.Equal(2f, u[2], 5);
        Assert.Equal(test.Labels.ToArray(), testScaled.Labels.ToArray());
        Assert.Equal([3f, 7f, 6.741657f, 5f], test.FeatureMemory.ToArray());
    }

    [Fact]
    public void Statistics_saved_and_restored_standardise_a_single_row_in_place_identically()
    {
        Dataset digits = Datasets.Digits();
        Standardization fitted = Standardization.Fit(digits);
        var restored = new Standardization(fitted.Mean, fitted.StandardDeviation);
        float[] row = digits.Row(3).ToArray();

        restored.ApplyInPlace(row);

        Assert.Equal(fitted.Apply(digits).Row(3).ToArray(), row);
    }

    [Fact]
    public void Feature_count_mismatch_is_an_argument_error()
    {
        Standardization s = Standardization.Fit(Table([1, 2, 3, 4], [0, 1]));

        var error = Assert.Throws<ArgumentException>(() => s.ApplyInPlace(new float[3]));

        Assert.Equal("row", error.ParamName);
    }
}
