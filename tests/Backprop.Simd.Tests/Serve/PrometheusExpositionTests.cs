using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Backprop.Simd.Hosting;

namespace Backprop.Simd.Tests.Serve;

public class PrometheusExpositionTests
{
    [Fact]
    public void Counts_are_written_exactly_with_cumulative_buckets_per_model()
    {
        using var instruments = new ServingMetrics();
        var digits = new ModelMetrics("digits", instruments);
        var other = new ModelMetrics("other-1.5", instruments);
        long millisecond = Stopwatch.Frequency / 1000;
        digits.RecordRequest(InferOutcome.Ok, millisecond / 20); // 50 µs: on the first bound, which is inclusive
        digits.RecordRequest(InferOutcome.Ok, 3 * millisecond);
        digits.RecordRequest(InferOutcome.BadRequest, 10 * Stopwatch.Frequency); // beyond 5 s: only in +Inf
        digits.RecordRequest(InferOutcome.PayloadTooLarge, millisecond);
        digits.RecordPass(1);
        digits.RecordPass(3);
        digits.RecordPass(5000);
        other.RecordPass(16);

        var text = new StringWriter(CultureInfo.InvariantCulture);
        PrometheusExposition.Write(text, [digits, other]);
        Dictionary<string, double> samples = PrometheusText.Parse(text.ToString());

        Assert.Equal(2, samples["backprop_infer_requests_total{model=\"digits\",outcome=\"ok\"}"]);
        Assert.Equal(1, samples["backprop_infer_requests_total{model=\"digits\",outcome=\"400\"}"]);
        Assert.Equal(1, samples["backprop_infer_requests_total{model=\"digits\",outcome=\"413\"}"]);
        Assert.Equal(0, samples["backprop_infer_requests_total{model=\"digits\",outcome=\"500\"}"]);
        Assert.Equal(0, samples["backprop_infer_requests_total{model=\"other-1.5\",outcome=\"ok\"}"]);
        Assert.Equal(5004, samples["backprop_predicted_rows_total{model=\"digits\"}"]);
        Assert.Equal(16, samples["backprop_predicted_rows_total{model=\"other-1.5\"}"]);

        Assert.Equal(1, samples["backprop_infer_duration_seconds_bucket{model=\"digits\",le=\"5E-05\"}"]);
        Assert.Equal(2, samples["backprop_infer_duration_seconds_bucket{model=\"digits\",le=\"0.001\"}"]);
        Assert.Equal(3, samples["backprop_infer_duration_seconds_bucket{model=\"digits\",le=\"0.005\"}"]);
        Assert.Equal(3, samples["backprop_infer_duration_seconds_bucket{model=\"digits\",le=\"5\"}"]);
        Assert.Equal(4, samples["backprop_infer_duration_seconds_bucket{model=\"digits\",le=\"+Inf\"}"]);
        Assert.Equal(10.00405, samples["backprop_infer_duration_seconds_sum{model=\"digits\"}"], 9);
        PrometheusText.AssertCumulative(samples, "backprop_infer_duration_seconds", "model=\"digits\"");

        Assert.Equal(1, samples["backprop_batch_rows_bucket{model=\"digits\",le=\"1\"}"]);
        Assert.Equal(2, samples["backprop_batch_rows_bucket{model=\"digits\",le=\"4\"}"]);
        Assert.Equal(2, samples["backprop_batch_rows_bucket{model=\"digits\",le=\"1024\"}"]);
        Assert.Equal(3, samples["backprop_batch_rows_count{model=\"digits\"}"]);
        Assert.Equal(5004, samples["backprop_batch_rows_sum{model=\"digits\"}"]);
        Assert.Equal(1, samples["backprop_batch_rows_bucket{model=\"other-1.5\",le=\"16\"}"]);
        Assert.Equal(0, samples["backprop_batch_rows_bucket{model=\"other-1.5\",le=\"8\"}"]);
        PrometheusText.AssertCumulative(samples, "backprop_batch_rows", "model=\"digits\"");
        PrometheusText.AssertCumulative(samples, "backprop_batch_rows", "model=\"other-1.5\"");
    }

    [Fact]
    public void The_meter_reports_the_same_figures_with_model_and_outcome_tags()
    {
        // A name of its own: other tests' servers record to meters of the same name at the same time.
        string model = "meter-" + Guid.NewGuid().ToString("N");
        var seen = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServingMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        void Seen<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            if (!tags.ToArray().Contains(new KeyValuePair<string, object?>("model", model))) return;
            string outcome = tags.ToArray().FirstOrDefault(tag => tag.Key == "outcome").Value as string ?? "-";
            lock (seen) seen.Add(instrument.Name + " " + outcome + " " + Convert.ToString(value, CultureInfo.InvariantCulture));
        }
        listener.SetMeasurementEventCallback<long>(Seen);
        listener.SetMeasurementEventCallback<int>(Seen);
        listener.SetMeasurementEventCallback<double>(Seen);
        using var instruments = new ServingMetrics();
        listener.Start();

        var counts = new ModelMetrics(model, instruments);
        counts.RecordRequest(InferOutcome.BadRequest, Stopwatch.Frequency / 4);
        counts.RecordPass(7);

        Assert.Equal(["backprop.infer.requests 400 1", "backprop.infer.duration - 0.25", "backprop.predicted.rows - 7", "backprop.batch.rows - 7"], seen);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Recording_allocates_nothing(bool listened)
    {
        using var instruments = new ServingMetrics();
        using var listener = new MeterListener();
        if (listened)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ServingMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            listener.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
            listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            listener.Start();
        }
        var counts = new ModelMetrics("alloc", instruments);
        counts.RecordRequest(InferOutcome.Ok, 1);
        counts.RecordPass(1);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            counts.RecordRequest((InferOutcome)(i % InferOutcomes.All.Length), i * 1000L);
            counts.RecordPass(1 + i % 100);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1001, counts.Latency.BucketCount(0) + CountAbove(counts.Latency));
    }

    private static long CountAbove(FixedBucketHistogram histogram)
    {
        long count = 0;
        for (int bucket = 1; bucket <= histogram.BoundCount; bucket++) count += histogram.BucketCount(bucket);
        return count;
    }

    [Fact]
    public void With_no_model_every_family_is_still_announced()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        PrometheusExposition.Write(text, []);
        Assert.Empty(PrometheusText.Parse(text.ToString()));
        Assert.Contains("# TYPE backprop_infer_duration_seconds histogram\n", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_figures_are_written_under_their_usual_names()
    {
        var figures = new RuntimeFigures(Gen0Collections: 12, Gen1Collections: 3, Gen2Collections: 1, AllocatedBytes: 123_456_789,
            PauseDuration: TimeSpan.FromMilliseconds(250), ResidentBytes: 50_331_648);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        PrometheusExposition.WriteRuntime(text, figures);
        Dictionary<string, double> samples = PrometheusText.Parse(text.ToString());
        Assert.Equal(12, samples["dotnet_gc_collections_total{generation=\"0\"}"]);
        Assert.Equal(3, samples["dotnet_gc_collections_total{generation=\"1\"}"]);
        Assert.Equal(1, samples["dotnet_gc_collections_total{generation=\"2\"}"]);
        Assert.Equal(123_456_789, samples["dotnet_gc_allocated_bytes_total"]);
        Assert.Equal(0.25, samples["dotnet_gc_pause_seconds_total"]);
        Assert.Equal(50_331_648, samples["process_resident_memory_bytes"]);
        Assert.Contains("# TYPE process_resident_memory_bytes gauge\n", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_figures_read_now_are_plausible()
    {
        RuntimeFigures figures = RuntimeFigures.Read();
        Assert.InRange(figures.ResidentBytes, 1 << 20, 1L << 40); // at least a megabyte, as any .NET process holds
        Assert.True(figures.AllocatedBytes > 0);
        Assert.True(figures.Gen0Collections >= figures.Gen1Collections && figures.Gen1Collections >= figures.Gen2Collections);
    }
}
