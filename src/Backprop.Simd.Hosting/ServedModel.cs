using System.Collections.Concurrent;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;

namespace Backprop.Simd.Hosting;

/// <summary>
/// One named model and the sessions that predict with it. A request rents a session, predicts and returns it, so once
/// every concurrently busy thread has had its session a prediction allocates nothing.
/// </summary>
internal sealed class ServedModel : IDisposable
{
    private readonly ConcurrentBag<InferenceSession<float>> _sessions = [];

    public ServedModel(string name, string path, PublishedModel<float> model, BackpropServingOptions options)
    {
        Name = name;
        Path = path;
        Model = model;
        Options = options;
        if (options.MaxQueueDelayMicroseconds > 0) Batcher = new DynamicBatcher(model, options.MaxBatchRows, options.MaxQueueDelayMicroseconds);
    }

    /// <summary>Loads <paramref name="path"/> (the native model format) and freezes it for serving.</summary>
    /// <exception cref="ModelFormatException">The file is not a model or a parameter is not finite.</exception>
    public static ServedModel Load(string name, string path, BackpropServingOptions options)
    {
        ModelDescription<float> description = NativeModelFormat.Load<float>(path);
        if (options.InputScaling is { } scaling && scaling.FeatureCount != description.InputSize)
            throw new ArgumentException("The input scaling has " + scaling.FeatureCount + " features; the model in " + path
                + " takes " + description.InputSize + ".", nameof(options));
        return new ServedModel(name, path, new PublishedModel<float>(FrozenModel<float>.From(description)), options);
    }

    public string Name { get; }

    public string Path { get; }

    public PublishedModel<float> Model { get; }

    public BackpropServingOptions Options { get; }

    /// <summary>The queue that coalesces concurrent requests into batches; null when batching is off.</summary>
    public DynamicBatcher? Batcher { get; }

    public int InputSize => Model.Current.InputSize;

    public int OutputSize => Model.Current.OutputSize;

    /// <summary>Predicts the request into <paramref name="outputs"/>: through the batcher when batching is on, else at once.</summary>
    public Task PredictAsync(InferRequest request, float[] outputs)
    {
        if (Batcher is not null) return Batcher.PredictAsync(request, outputs);
        InferenceSession<float> session = _sessions.TryTake(out InferenceSession<float>? pooled) ? pooled
            : Model.CreateSession(Options.SessionBatchRows);
        try
        {
            session.Predict(request.Inputs, new CommunityToolkit.HighPerformance.Span2D<float>(outputs, 0, request.Rows, OutputSize, 0));
        }
        finally
        {
            _sessions.Add(session);
        }
        return Task.CompletedTask;
    }

    public void Dispose() => Batcher?.Dispose();
}
