using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class StratifiedSplitTests
{
    [Fact]
    public void Each_class_loses_its_rounded_share_to_validation()
    {
        Dataset digits = Datasets.Digits();

        DatasetPair split = StratifiedSplit.Split(digits, 0.2, seed: 42);

        int[] all = digits.CountPerClass(), train = split.Train.CountPerClass(), validation = split.Test.CountPerClass();
        for (int c = 0; c < all.Length; c++)
        {
            int expected = (int)Math.Round(0.2 * all[c], MidpointRounding.AwayFromZero);
            Assert.True(validation[c] == expected, $"class {c}: {validation[c]} held out of {all[c]}, expected {expected}");
            Assert.Equal(all[c], train[c] + validation[c]);
        }
        Assert.Equal(digits.FeatureCount, split.Test.FeatureCount);
        Assert.Equal(digits.ClassNames, split.Test.ClassNames);
    }

    [Fact]
    public void Split_is_a_partition_of_the_samples_and_keeps_rows_with_their_labels()
    {
        Dataset digits = Datasets.Digits();

        DatasetPair split = StratifiedSplit.Split(digits, 0.25, seed: 7);

        // Digits rows are not all distinct, so compare multisets of (row, label) keys.
        var remaining = new Dictionary<string, int>();
        for (int i = 0; i < digits.SampleCount; i++)
        {
            string key = Key(digits, i);
            remaining[key] = remaining.GetValueOrDefault(key) + 1;
        }
        foreach (Dataset part in new[] { split.Train, split.Test })
            for (int i = 0; i < part.SampleCount; i++)
            {
                string key = Key(part, i);
                Assert.True(remaining.GetValueOrDefault(key) > 0, $"{part.Name} row {i} is not an unused original row");
                remaining[key]--;
            }
        Assert.All(remaining.Values, left => Assert.Equal(0, left));
    }

    [Fact]
    public void Same_seed_gives_the_same_split_and_another_seed_a_different_one()
    {
        Dataset digits = Datasets.Digits();

        DatasetPair a = StratifiedSplit.Split(digits, 0.2, seed: 1);
        DatasetPair b = StratifiedSplit.Split(digits, 0.2, seed: 1);
        DatasetPair c = StratifiedSplit.Split(digits, 0.2, seed: 2);

        Assert.Equal(a.Test.FeatureMemory.ToArray(), b.Test.FeatureMemory.ToArray());
        Assert.Equal(a.Train.Labels.ToArray(), b.Train.Labels.ToArray());
        Assert.NotEqual(a.Test.FeatureMemory.ToArray(), c.Test.FeatureMemory.ToArray());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Fraction_outside_the_open_unit_interval_is_rejected(double fraction)
    {
        Dataset digits = Datasets.Digits();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedSplit.Split(digits, fraction, seed: 1));

        Assert.Equal("validationFraction", error.ParamName);
    }

    private static string Key(Dataset data, int index) =>
        string.Join(',', data.Row(index).ToArray()) + ":" + data.Labels[index];
}
