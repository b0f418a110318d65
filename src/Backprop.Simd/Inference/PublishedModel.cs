using System.Numerics;
using Backprop.Simd.Model;

namespace Backprop.Simd.Inference;

/// <summary>
/// The model a service currently serves, replaced as a whole by <see cref="Publish(FrozenModel{T})"/>: the online-learning
/// pattern is to train a <see cref="Network{T}"/> that no reader sees, then publish a frozen copy of it. Readers
/// (sessions from <see cref="CreateSession"/>) read the reference once per call, so each prediction uses exactly one
/// model generation — never a mix of old and new weights — and neither side takes a lock or allocates per call.
/// </summary>
/// <typeparam name="T">The element type of the model.</typeparam>
public sealed class PublishedModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private FrozenModel<T> _current;
    private long _generation;

    /// <summary>Starts serving <paramref name="initial"/> as generation 0.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="initial"/> is null.</exception>
    public PublishedModel(FrozenModel<T> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
    }

    /// <summary>The model being served now.</summary>
    public FrozenModel<T> Current => Volatile.Read(ref _current);

    /// <summary>How many models have been published since construction.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Serves <paramref name="model"/> from now on. The model is complete before the reference is swapped (a release
    /// write), so a reader sees either the old model or the whole new one. Calls already running finish on the old one.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">The model's input size or layer widths differ from the served one's.</exception>
    public void Publish(FrozenModel<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.HasSameShape(Current))
            throw new ArgumentException("The published model must have the same input size and layer widths as the one it replaces.", nameof(model));
        Volatile.Write(ref _current, model);
        Interlocked.Increment(ref _generation);
    }

    /// <summary>Freezes a copy of <paramref name="network"/>'s parameters and publishes it; returns the published model.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException">The network's shape differs from the served model's.</exception>
    public FrozenModel<T> Publish(Network<T> network)
    {
        FrozenModel<T> model = FrozenModel<T>.From(network, Current.Variant);
        Publish(model);
        return model;
    }

    /// <summary>Creates a session that predicts with whichever model is current at each call.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatch"/> is not positive.</exception>
    public InferenceSession<T> CreateSession(int maxBatch = 1) => new(Current, this, maxBatch);
}
