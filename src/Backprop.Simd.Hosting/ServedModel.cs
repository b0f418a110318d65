using System.Collections.Concurrent;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;

namespace Backprop.Simd.Hosting;

/// <summary>
/// One named model and the sessions that predict with it. A request rents a session, predicts and returns it, so once
/// every concurrently busy thread has had its session a prediction allocates nothing.
/// </summary>
internal sealed class ServedModel
{
    private readonly ConcurrentBag<InferenceSession<float>> _sessions = [];

    public ServedModel(string name, string path, PublishedModel<float> model, BackpropServingOptions options)
    {
        Name = name;
        Path = path;
        Model = model;
        Options = options;
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

    public int InputSize => Model.Current.InputSize;

    public int OutputSize => Model.Current.OutputSize;

    public InferenceSession<float> RentSession() =>
        _sessions.TryTake(out InferenceSession<float>? session) ? session : Model.CreateSession(Options.SessionBatchRows);

    public void ReturnSession(InferenceSession<float> session) => _sessions.Add(session);
}
