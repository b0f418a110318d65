using System.Diagnostics.Metrics;

namespace Backprop.Simd.Hosting;

/// <summary>
/// The <see cref="Meter"/> named <see cref="MeterName"/> that OpenTelemetry (or any <see cref="MeterListener"/>) can
/// export, and the per-model counts that <c>GET /metrics</c> writes in the Prometheus text format.
/// </summary>
internal sealed class ServingMetrics : IDisposable
{
    public const string MeterName = "Backprop.Simd.Hosting";

    private readonly Meter _meter = new(MeterName);

    public ServingMetrics()
    {
        Requests = _meter.CreateCounter<long>("backprop.infer.requests", "{request}", "Infer requests, by model and outcome (ok or the status code answered).");
        PredictedRows = _meter.CreateCounter<long>("backprop.predicted.rows", "{row}", "Rows predicted, by model.");
        Duration = _meter.CreateHistogram<double>("backprop.infer.duration", "s", "Infer request latency, from routing to the answer written.");
        BatchRows = _meter.CreateHistogram<int>("backprop.batch.rows", "{row}", "Rows per prediction pass; under dynamic batching, the coalesced batch.");
    }

    public Counter<long> Requests { get; }

    public Counter<long> PredictedRows { get; }

    public Histogram<double> Duration { get; }

    public Histogram<int> BatchRows { get; }

    public void Dispose() => _meter.Dispose();
}
