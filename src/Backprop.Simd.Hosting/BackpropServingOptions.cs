using Backprop.Simd.Data;
using Backprop.Simd.IO;

namespace Backprop.Simd.Hosting;

/// <summary>Limits for the inference endpoints of one served model.</summary>
public sealed class BackpropServingOptions
{
    /// <summary>The most rows one infer request may hold; more is refused with 400. Default 1024.</summary>
    public int MaxRowsPerRequest { get; set; } = 1024;

    /// <summary>The largest request body in bytes; a larger one is refused with 413. Default 16 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The rows one pooled session computes per pass (larger requests take several passes). Default 64.</summary>
    public int SessionBatchRows { get; set; } = 64;

    /// <summary>
    /// How long, in microseconds, the first queued request waits for others to join its batch; 0 (the default) turns
    /// dynamic batching off, so each request is predicted on its own thread at once.
    /// </summary>
    public int MaxQueueDelayMicroseconds { get; set; }

    /// <summary>The most rows one dynamic batch holds; a request with more is predicted alone. Default 64.</summary>
    public int MaxBatchRows { get; set; } = 64;

    /// <summary>
    /// Maps <c>POST /v2/models/{name}/floor</c>, a benchmarking aid: it reads and parses the body exactly as infer does
    /// (JSON or binary) and answers a same-sized output (each row's first input values, then zeros) without predicting,
    /// so a load test can tell what HTTP and parsing cost from what the model costs. Its requests are not counted in
    /// <c>/metrics</c>. Off by default.
    /// </summary>
    public bool EnableFloorEndpoint { get; set; }

    /// <summary>
    /// Watches the model's file and reloads it when it changes (debounced: once writes have been quiet for a quarter
    /// of a second), exactly as <c>POST /v2/repository/models/{name}/load</c> does: requests in flight finish on the old
    /// model, and a file that fails to load is logged as a warning and leaves the old model serving. Off by default.
    /// </summary>
    public bool WatchFile { get; set; }

    /// <summary>
    /// Reads the feature scaling a model carries (as <c>backprop train --standardize</c> saves it in the file's metadata),
    /// applied to every input row before it predicts; called at each load, so a reload sees the new file's. Null, or a
    /// null answer, passes the inputs through unchanged.
    /// </summary>
    public Func<ModelDescription<float>, Standardization?>? InputScaling { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRowsPerRequest);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRequestBodyBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRequestBodyBytes, Array.MaxLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SessionBatchRows);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueueDelayMicroseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxQueueDelayMicroseconds, 1_000_000);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchRows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatchRows, 65_536);
    }
}
