using System.Collections.Concurrent;
using Backprop.Simd.Data;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Microsoft.Extensions.Logging;

namespace Backprop.Simd.Hosting;

/// <summary>
/// One named model and the sessions that predict with it. A request rents a session, predicts and returns it, so once
/// every concurrently busy thread has had its session a prediction allocates nothing.
/// </summary>
internal sealed class ServedModel : IDisposable
{
    private readonly ConcurrentBag<InferenceSession<float>> _sessions = [];

    private readonly Lock _reloading = new();

    public ServedModel(string name, string path, PublishedModel<float> model, Standardization? scaling, BackpropServingOptions options,
        ModelMetrics metrics)
    {
        Metrics = metrics;
        Name = name;
        Scaling = scaling;
        Path = path;
        Model = model;
        Options = options;
        if (options.MaxQueueDelayMicroseconds > 0) Batcher = new DynamicBatcher(model, options.MaxBatchRows, options.MaxQueueDelayMicroseconds, metrics);
    }

    /// <summary>Loads <paramref name="path"/> (the native model format) and freezes it for serving.</summary>
    /// <exception cref="ModelFormatException">The file is not a model or a parameter is not finite.</exception>
    public static ServedModel Load(string name, string path, BackpropServingOptions options, ModelMetrics metrics)
    {
        ModelDescription<float> description = NativeModelFormat.Load<float>(path);
        Standardization? scaling = ScalingOf(description, path, options);
        return new ServedModel(name, path, new PublishedModel<float>(FrozenModel<float>.From(description)), scaling, options, metrics);
    }

    /// <summary>
    /// Reads <see cref="Path"/> again and publishes it: calls in flight finish on the old model, later ones use the new.
    /// A file that fails to load, or whose shape or input scaling differs, leaves the old model serving.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is not a model or has a non-finite parameter.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="ArgumentException">The new model's shape or input scaling differs from the served one's.</exception>
    public long Reload()
    {
        lock (_reloading)
        {
            ModelDescription<float> description = NativeModelFormat.Load<float>(Path);
            Standardization? scaling = ScalingOf(description, Path, Options);
            // Sessions and batches read the model once per call but the scaling separately: it must not change.
            if (!SameScaling(scaling, Scaling))
                throw new ArgumentException(Path + " has a different input scaling from the served model's; restart the server to change it.");
            Model.Publish(FrozenModel<float>.From(description));
            return Model.Generation;
        }
    }

    /// <summary>
    /// <see cref="Reload"/>, logged: null when the new file serves, else why it was refused (the old model still serving).
    /// The load endpoint and the file watcher both reload through here.
    /// </summary>
    public string? TryReload(ILogger logger)
    {
        try
        {
            long generation = Reload();
            HostingLog.ModelReloaded(logger, Name, Path, generation);
            return null;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or ModelFormatException or ArgumentException)
        {
            HostingLog.ReloadFailed(logger, Name, Path, failure.Message);
            return failure.Message;
        }
    }

    private static Standardization? ScalingOf(ModelDescription<float> description, string path, BackpropServingOptions options)
    {
        Standardization? scaling = options.InputScaling?.Invoke(description);
        if (scaling is not null && scaling.FeatureCount != description.InputSize)
            throw new ArgumentException("The input scaling has " + scaling.FeatureCount + " features; the model in " + path
                + " takes " + description.InputSize + ".", nameof(options));
        return scaling;
    }

    private static bool SameScaling(Standardization? a, Standardization? b) =>
        a is null ? b is null : b is not null && a.Mean.SequenceEqual(b.Mean) && a.StandardDeviation.SequenceEqual(b.StandardDeviation);

    public string Name { get; }

    public string Path { get; }

    public PublishedModel<float> Model { get; }

    public BackpropServingOptions Options { get; }

    /// <summary>This model's requests, rows and latencies, for <c>/metrics</c> and the meter.</summary>
    public ModelMetrics Metrics { get; }

    /// <summary>The scaling applied to every input row; null for none.</summary>
    public Standardization? Scaling { get; }

    /// <summary>The queue that coalesces concurrent requests into batches; null when batching is off.</summary>
    public DynamicBatcher? Batcher { get; }

    public int InputSize => Model.Current.InputSize;

    public int OutputSize => Model.Current.OutputSize;

    /// <summary>Predicts the request into <paramref name="outputs"/>: through the batcher when batching is on, else at once.</summary>
    /// <param name="request">The rows.</param>
    /// <param name="outputs">At least rows × outputs long.</param>
    /// <param name="announced">Whether the request was announced to the batcher (<see cref="DynamicBatcher.Announce"/>).</param>
    /// <param name="client">A key for the caller's connection, for the batcher (0 when unknown).</param>
    public ValueTask PredictAsync(InferRequest request, float[] outputs, bool announced = false, int client = 0)
    {
        if (Batcher is not null) return Batcher.PredictAsync(request, outputs, announced, client);
        InferenceSession<float> session = _sessions.TryTake(out InferenceSession<float>? pooled) ? pooled
            : Model.CreateSession(Options.SessionBatchRows);
        try
        {
            session.Predict(request.Inputs, new CommunityToolkit.HighPerformance.Span2D<float>(outputs, 0, request.Rows, OutputSize, 0));
            Metrics.RecordPass(request.Rows);
        }
        finally
        {
            _sessions.Add(session);
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose() => Batcher?.Dispose();
}
