using Backprop.Simd.Randomness;

namespace Backprop.Simd.Data;

/// <summary>Splits a data set into training and validation parts that keep each class's share.</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// Holds out <c>round(fraction × n_c)</c> samples of every class c, chosen by a Fisher–Yates shuffle of that
    /// class's samples with <paramref name="seed"/>. Both parts keep the original sample order. The same data, fraction
    /// and seed always give the same split.
    /// </summary>
    /// <param name="data">The data to split.</param>
    /// <param name="validationFraction">The share held out for validation, in (0, 1).</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The training part as <see cref="DatasetPair.Train"/>, the validation part as <see cref="DatasetPair.Test"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not in (0, 1).</exception>
    public static DatasetPair Split(Dataset data, double validationFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                "The validation fraction must be strictly between 0 and 1.");

        // Samples grouped by class (a counting sort keeps them in their original order within each class).
        int[] counts = data.CountPerClass();
        var starts = new int[counts.Length + 1];
        for (int c = 0; c < counts.Length; c++) starts[c + 1] = starts[c] + counts[c];
        var byClass = new int[data.SampleCount];
        var next = (int[])starts.Clone();
        ReadOnlySpan<int> labels = data.Labels;
        for (int i = 0; i < labels.Length; i++) byClass[next[labels[i]]++] = i;

        var inValidation = new bool[data.SampleCount];
        int validationCount = 0;
        var random = new Xoshiro256StarStar(seed);
        for (int c = 0; c < counts.Length; c++)
        {
            Span<int> members = byClass.AsSpan(starts[c], counts[c]);
            int held = (int)Math.Round(validationFraction * members.Length, MidpointRounding.AwayFromZero);
            // A partial Fisher–Yates: only the first `held` positions need to be drawn.
            for (int i = 0; i < held; i++)
            {
                int j = i + random.NextInt32(members.Length - i);
                (members[i], members[j]) = (members[j], members[i]);
                inValidation[members[i]] = true;
            }
            validationCount += held;
        }

        var trainIndices = new int[data.SampleCount - validationCount];
        var validationIndices = new int[validationCount];
        int t = 0, v = 0;
        for (int i = 0; i < inValidation.Length; i++)
            if (inValidation[i]) validationIndices[v++] = i;
            else trainIndices[t++] = i;
        return new DatasetPair(data.Subset(trainIndices, data.Name + "-train"),
            data.Subset(validationIndices, data.Name + "-validation"));
    }
}
