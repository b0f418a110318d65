using System.Diagnostics;

namespace Backprop.Simd.Hosting;

/// <summary>
/// One model's requests, rows and latencies: counted here for <c>/metrics</c> and passed on to the <see cref="ServingMetrics"/>
/// instruments. Tag lists are built once, so recording allocates nothing.
/// </summary>
internal sealed class ModelMetrics
{
    // 50 µs to 5 s: a small model answers in tens of microseconds, a queue under load in seconds.
    private static readonly double[] LatencyBoundsSeconds =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    // Powers of two from 1 to 1024 rows, the largest batch worth telling apart.
    private static readonly long[] BatchBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly ServingMetrics _instruments;
    private readonly long[] _requests = new long[InferOutcomes.All.Length];
    private readonly TagList[] _outcomeTags = new TagList[InferOutcomes.All.Length];
    private readonly TagList _modelTag;
    private long _predictedRows;

    public ModelMetrics(string model, ServingMetrics instruments)
    {
        Model = model;
        _instruments = instruments;
        _modelTag = new TagList { { "model", model } };
        foreach (InferOutcome outcome in InferOutcomes.All)
            _outcomeTags[(int)outcome] = new TagList { { "model", model }, { "outcome", InferOutcomes.Tag(outcome) } };
        Latency = new FixedBucketHistogram(Array.ConvertAll(LatencyBoundsSeconds, seconds => (long)Math.Round(seconds * Stopwatch.Frequency)),
            Stopwatch.Frequency);
        BatchRows = new FixedBucketHistogram(BatchBounds, 1);
    }

    public string Model { get; }

    /// <summary>Request latencies, recorded in Stopwatch ticks and exposed in seconds.</summary>
    public FixedBucketHistogram Latency { get; }

    /// <summary>Rows per prediction pass.</summary>
    public FixedBucketHistogram BatchRows { get; }

    public long PredictedRows => Interlocked.Read(ref _predictedRows);

    public long Requests(InferOutcome outcome) => Interlocked.Read(ref _requests[(int)outcome]);

    /// <summary>Counts one infer request that took <paramref name="elapsedTicks"/> (Stopwatch ticks).</summary>
    public void RecordRequest(InferOutcome outcome, long elapsedTicks)
    {
        Interlocked.Increment(ref _requests[(int)outcome]);
        Latency.Record(elapsedTicks);
        _instruments.Requests.Add(1, in _outcomeTags[(int)outcome]);
        _instruments.Duration.Record((double)elapsedTicks / Stopwatch.Frequency, in _modelTag);
    }

    /// <summary>Counts one prediction pass over <paramref name="rows"/> rows.</summary>
    public void RecordPass(int rows)
    {
        Interlocked.Add(ref _predictedRows, rows);
        BatchRows.Record(rows);
        _instruments.PredictedRows.Add(rows, in _modelTag);
        _instruments.BatchRows.Record(rows, in _modelTag);
    }
}
