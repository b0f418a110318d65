using System.Globalization;

namespace Backprop.Simd.Hosting;

/// <summary>
/// Writes the models' counts in the Prometheus text exposition format, version 0.0.4: one <c># HELP</c> and
/// <c># TYPE</c> per family, counters ending in <c>_total</c>, histograms as cumulative <c>_bucket{le}</c>, <c>_sum</c>
/// and <c>_count</c>; then the process's garbage-collector and memory figures under their usual names. Model names
/// are URL-safe (letters, digits, '-', '_', '.'), so label values need no escaping.
/// </summary>
internal static class PrometheusExposition
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(TextWriter writer, IReadOnlyList<ModelMetrics> models)
    {
        Family(writer, "backprop_infer_requests_total", "counter", "Infer requests, by model and outcome (ok or the status code answered).");
        foreach (ModelMetrics model in models)
            foreach (InferOutcome outcome in InferOutcomes.All)
                Sample(writer, "backprop_infer_requests_total", model.Model, "outcome", InferOutcomes.Tag(outcome), model.Requests(outcome));

        Family(writer, "backprop_predicted_rows_total", "counter", "Rows predicted, by model.");
        foreach (ModelMetrics model in models) Sample(writer, "backprop_predicted_rows_total", model.Model, null, null, model.PredictedRows);

        Family(writer, "backprop_infer_duration_seconds", "histogram", "Infer request latency in seconds, from routing to the answer written.");
        foreach (ModelMetrics model in models) Histogram(writer, "backprop_infer_duration_seconds", model.Model, model.Latency);

        Family(writer, "backprop_batch_rows", "histogram", "Rows per prediction pass; under dynamic batching, the coalesced batch.");
        foreach (ModelMetrics model in models) Histogram(writer, "backprop_batch_rows", model.Model, model.BatchRows);
    }

    /// <summary>
    /// The standard process and runtime families: <c>dotnet_gc_collections_total{generation}</c>,
    /// <c>dotnet_gc_allocated_bytes_total</c>, <c>dotnet_gc_pause_seconds_total</c> and <c>process_resident_memory_bytes</c>.
    /// </summary>
    public static void WriteRuntime(TextWriter writer, RuntimeFigures figures)
    {
        Family(writer, "dotnet_gc_collections_total", "counter", "Garbage collections since the process started, by generation.");
        for (int generation = 0; generation <= 2; generation++)
            writer.Write("dotnet_gc_collections_total{generation=\"" + generation.ToString(CultureInfo.InvariantCulture) + "\"} "
                + figures.Collections(generation).ToString(CultureInfo.InvariantCulture) + "\n");
        Family(writer, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.");
        writer.Write("dotnet_gc_allocated_bytes_total " + figures.AllocatedBytes.ToString(CultureInfo.InvariantCulture) + "\n");
        Family(writer, "dotnet_gc_pause_seconds_total", "counter", "Time the garbage collector has paused the process, in seconds.");
        writer.Write("dotnet_gc_pause_seconds_total " + Number(figures.PauseDuration.TotalSeconds) + "\n");
        Family(writer, "process_resident_memory_bytes", "gauge", "Resident set size of the process in bytes.");
        writer.Write("process_resident_memory_bytes " + figures.ResidentBytes.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    private static void Family(TextWriter writer, string name, string type, string help)
    {
        writer.Write("# HELP " + name + " " + help + "\n");
        writer.Write("# TYPE " + name + " " + type + "\n");
    }

    private static void Histogram(TextWriter writer, string name, string model, FixedBucketHistogram histogram)
    {
        // Each bucket is read once, so the +Inf bucket and _count agree even while requests are being recorded.
        long cumulative = 0;
        for (int i = 0; i < histogram.BoundCount; i++)
        {
            cumulative += histogram.BucketCount(i);
            Sample(writer, name + "_bucket", model, "le", Number(histogram.UpperBound(i)), cumulative);
        }
        cumulative += histogram.BucketCount(histogram.BoundCount);
        Sample(writer, name + "_bucket", model, "le", "+Inf", cumulative);
        writer.Write(name + "_sum{model=\"" + model + "\"} " + Number(histogram.Sum) + "\n");
        Sample(writer, name + "_count", model, null, null, cumulative);
    }

    private static void Sample(TextWriter writer, string name, string model, string? label, string? value, long count)
    {
        writer.Write(name + "{model=\"" + model + "\"");
        if (label is not null) writer.Write("," + label + "=\"" + value + "\"");
        writer.Write("} " + count.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
