namespace Backprop.Simd.Training;

/// <summary>
/// Counts of (actual class, predicted class) pairs, with accuracy and per-class precision, recall and F1 derived from
/// them as scikit-learn's <c>classification_report</c> defines them (a ratio with nothing to divide is NaN).
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    /// <summary>An empty matrix for <paramref name="classCount"/> classes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is not positive.</exception>
    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        _counts = new int[classCount, classCount];
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount => _counts.GetLength(0);

    /// <summary>The number of pairs counted.</summary>
    public int Total { get; private set; }

    /// <summary>How many rows of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>A copy of the counts: [actual, predicted].</summary>
    public int[,] ToArray() => (int[,])_counts.Clone();

    /// <summary>Counts one row.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is outside 0..<see cref="ClassCount"/>−1.</exception>
    public void Add(int actual, int predicted)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)actual, (uint)ClassCount, nameof(actual));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)predicted, (uint)ClassCount, nameof(predicted));
        _counts[actual, predicted]++;
        Total++;
    }

    /// <summary>The fraction of rows on the diagonal.</summary>
    public double Accuracy
    {
        get
        {
            int correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += _counts[c, c];
            return (double)correct / Total;
        }
    }

    /// <summary>Rows of class <paramref name="actual"/> (the class's support).</summary>
    public int Support(int actual)
    {
        int sum = 0;
        for (int p = 0; p < ClassCount; p++) sum += _counts[actual, p];
        return sum;
    }

    /// <summary>Rows predicted as <paramref name="predicted"/>.</summary>
    public int PredictedCount(int predicted)
    {
        int sum = 0;
        for (int a = 0; a < ClassCount; a++) sum += _counts[a, predicted];
        return sum;
    }

    /// <summary>Of the rows predicted as the class, the fraction that belong to it.</summary>
    public double Precision(int classIndex) => (double)_counts[classIndex, classIndex] / PredictedCount(classIndex);

    /// <summary>Of the rows of the class, the fraction predicted as it.</summary>
    public double Recall(int classIndex) => (double)_counts[classIndex, classIndex] / Support(classIndex);

    /// <summary>The harmonic mean of precision and recall.</summary>
    public double F1(int classIndex)
    {
        double precision = Precision(classIndex), recall = Recall(classIndex);
        return 2 * precision * recall / (precision + recall);
    }
}
