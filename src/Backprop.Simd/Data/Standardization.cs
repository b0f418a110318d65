namespace Backprop.Simd.Data;

/// <summary>
/// Per-feature standardisation <c>x' = (x − mean) / std</c>, fitted on training data and applied unchanged to test data
/// and to inputs at prediction time. The statistics are public so they can be saved with a model.
/// </summary>
public sealed class Standardization
{
    private readonly float[] _mean;
    private readonly float[] _standardDeviation;

    /// <summary>Creates a standardisation from saved statistics.</summary>
    /// <param name="mean">The mean of each feature.</param>
    /// <param name="standardDeviation">The standard deviation of each feature; every value finite and positive.</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero, or a deviation is not finite and positive.</exception>
    public Standardization(ReadOnlySpan<float> mean, ReadOnlySpan<float> standardDeviation)
    {
        if (mean.IsEmpty || mean.Length != standardDeviation.Length)
            throw new ArgumentException(
                $"mean has {mean.Length} values and standardDeviation {standardDeviation.Length}; they must be equal and non-zero.",
                nameof(standardDeviation));
        for (int j = 0; j < standardDeviation.Length; j++)
            if (!(standardDeviation[j] > 0 && float.IsFinite(standardDeviation[j])))
                throw new ArgumentException($"standardDeviation[{j}] = {standardDeviation[j]} is not finite and positive.",
                    nameof(standardDeviation));
        _mean = mean.ToArray();
        _standardDeviation = standardDeviation.ToArray();
    }

    /// <summary>The mean of each feature in the data it was fitted on.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>
    /// The population standard deviation of each feature (dividing by n, as scikit-learn's StandardScaler does), or 1
    /// for a feature that is constant in the training data, so that it maps to 0 instead of dividing by zero.
    /// </summary>
    public ReadOnlySpan<float> StandardDeviation => _standardDeviation;

    /// <summary>Features per sample.</summary>
    public int FeatureCount => _mean.Length;

    /// <summary>Computes the mean and standard deviation of every feature of <paramref name="train"/>.</summary>
    /// <param name="train">The training data (at least one sample).</param>
    public static Standardization Fit(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.SampleCount == 0) throw new ArgumentException("The data set has no samples.", nameof(train));
        int n = train.SampleCount, d = train.FeatureCount;
        ReadOnlySpan<float> x = train.FeatureMemory.Span;
        // Two passes in double: the one-pass Σx² − n·mean² formula loses all precision on features far from zero.
        var sum = new double[d];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * d, d);
            for (int j = 0; j < d; j++) sum[j] += row[j];
        }
        var squares = new double[d];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * d, d);
            for (int j = 0; j < d; j++)
            {
                double deviation = row[j] - sum[j] / n;
                squares[j] += deviation * deviation;
            }
        }
        var mean = new float[d];
        var deviations = new float[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = (float)(sum[j] / n);
            float std = (float)Math.Sqrt(squares[j] / n);
            deviations[j] = std > 0 && float.IsFinite(std) ? std : 1f;
        }
        return new Standardization(mean, deviations);
    }

    /// <summary>A standardised copy of <paramref name="data"/> (one new feature block; labels are shared).</summary>
    /// <param name="data">Data with <see cref="FeatureCount"/> features.</param>
    /// <exception cref="ArgumentException">The feature counts differ.</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckFeatureCount(data.FeatureCount, nameof(data));
        float[] features = data.FeatureMemory.ToArray();
        for (int offset = 0; offset < features.Length; offset += FeatureCount)
            ApplyToRow(features.AsSpan(offset, FeatureCount));
        return Dataset.FromValidated(data.Name, features, data.LabelArray, data.FeatureCount, data.ClassNameArray,
            data.ImageShape);
    }

    /// <summary>Standardises one sample in place; allocates nothing.</summary>
    /// <param name="row">One sample's <see cref="FeatureCount"/> features.</param>
    /// <exception cref="ArgumentException">The length differs from <see cref="FeatureCount"/>.</exception>
    public void ApplyInPlace(Span<float> row)
    {
        CheckFeatureCount(row.Length, nameof(row));
        ApplyToRow(row);
    }

    private void ApplyToRow(Span<float> row)
    {
        for (int j = 0; j < row.Length; j++) row[j] = (row[j] - _mean[j]) / _standardDeviation[j];
    }

    private void CheckFeatureCount(int count, string argument)
    {
        if (count != FeatureCount)
            throw new ArgumentException($"Expected {FeatureCount} features, found {count}.", argument);
    }
}
