namespace Backprop.Simd.Hosting;

/// <summary>
/// A histogram over fixed upper bounds, counted with <see cref="Interlocked"/> so recording takes no lock and allocates
/// nothing. Values are whole units (Stopwatch ticks, rows); dividing by <see cref="UnitsPerExposed"/> gives the exposed unit.
/// </summary>
internal sealed class FixedBucketHistogram
{
    private readonly long[] _upperBounds;
    private readonly long[] _counts; // one per bound, plus the +Inf bucket; not cumulative
    private long _sum;

    /// <param name="upperBounds">Ascending inclusive upper bounds, in whole units.</param>
    /// <param name="unitsPerExposed">Units in one exposed unit (Stopwatch.Frequency for seconds); a division of whole
    /// numbers, so a bound of 50 µs prints as 5E-05, not as a product's 5.0000000000000004E-05.</param>
    public FixedBucketHistogram(long[] upperBounds, long unitsPerExposed)
    {
        for (int i = 1; i < upperBounds.Length; i++)
            if (upperBounds[i] <= upperBounds[i - 1]) throw new ArgumentException("The bounds must ascend.", nameof(upperBounds));
        _upperBounds = upperBounds;
        _counts = new long[upperBounds.Length + 1];
        UnitsPerExposed = unitsPerExposed;
    }

    public long UnitsPerExposed { get; }

    public int BoundCount => _upperBounds.Length;

    /// <summary>Bound <paramref name="index"/> in the exposed unit.</summary>
    public double UpperBound(int index) => (double)_upperBounds[index] / UnitsPerExposed;

    public void Record(long value)
    {
        int bucket = 0;
        while (bucket < _upperBounds.Length && value > _upperBounds[bucket]) bucket++;
        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sum, value);
    }

    /// <summary>The count in bucket <paramref name="index"/> alone (index <see cref="BoundCount"/> is +Inf).</summary>
    public long BucketCount(int index) => Interlocked.Read(ref _counts[index]);

    /// <summary>The sum of the recorded values in the exposed unit.</summary>
    public double Sum => (double)Interlocked.Read(ref _sum) / UnitsPerExposed;
}
