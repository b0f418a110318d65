using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class DigitsTests
{
    [Fact]
    public void Embedded_digits_have_1797_samples_of_64_pixels_in_10_balanced_classes()
    {
        Dataset digits = Datasets.Digits();

        Assert.Equal("digits", digits.Name);
        Assert.Equal(1797, digits.SampleCount);
        Assert.Equal(64, digits.FeatureCount);
        Assert.Equal(10, digits.ClassCount);
        Assert.Equal(new ImageShape(8, 8), digits.ImageShape);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], digits.ClassNames);
        int[] counts = digits.CountPerClass();
        Assert.All(counts, count => Assert.InRange(count, 174, 183));
        Assert.Equal(1797, counts.Sum());
    }

    [Fact]
    public void Embedded_digits_are_scaled_by_16_into_the_unit_interval()
    {
        Dataset scaled = Datasets.Digits();
        Dataset raw = Datasets.Digits(scalePixels: false);

        ReadOnlySpan<float> s = scaled.FeatureMemory.Span, r = raw.FeatureMemory.Span;
        float largest = 0;
        for (int i = 0; i < s.Length; i++)
        {
            Assert.True(r[i] == MathF.Round(r[i]) && r[i] is >= 0 and <= 16, $"raw pixel {i} = {r[i]} is not a count 0..16");
            Assert.True(s[i] == r[i] / 16f, $"pixel {i}: scaled {s[i]} != raw {r[i]} / 16");
            largest = MathF.Max(largest, s[i]);
        }
        Assert.Equal(1f, largest);
        Assert.Equal(raw.Labels.ToArray(), scaled.Labels.ToArray());
    }

    [Fact]
    public void Features_are_one_row_major_block_matching_rows_and_the_2d_view()
    {
        Dataset digits = Datasets.Digits();

        Assert.Equal(1797 * 64, digits.FeatureMemory.Length);
        Assert.Equal(1797, digits.Features.Height);
        Assert.Equal(64, digits.Features.Width);
        Assert.Equal(digits.FeatureMemory.Span.Slice(5 * 64, 64).ToArray(), digits.Row(5).ToArray());
        Assert.Equal(digits.Row(5)[10], digits.Features[5, 10]);
    }
}
