using System.Numerics;

namespace Backprop.Simd.IO;

/// <summary>
/// An optimizer's state for an exact resume: its kind, hyper-parameters, step count and per-parameter buffers
/// (momentum, first and second moments, ...), each as long as the parameter block and in the same order.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>, as the model's parameters.</typeparam>
public sealed class OptimizerStateDescription<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The most buffers a state may hold.</summary>
    public const int MaxBuffers = 16;

    /// <summary>The most hyper-parameters a state may hold (room for a trainer's class weights, one per class).</summary>
    public const int MaxHyperParameters = 4096;

    /// <summary>Creates the state; names and buffers are copied into new lists, the buffer arrays themselves are held.</summary>
    /// <param name="kind">The optimizer's name as the training layer spells it (e.g. "Adam"); non-empty, at most 255 UTF-8 bytes.</param>
    /// <param name="hyperParameters">Named hyper-parameters (learning rate, betas, ...); at most <see cref="MaxHyperParameters"/>.</param>
    /// <param name="stepCount">Optimizer steps taken so far (Adam's bias correction needs it), ≥ 0.</param>
    /// <param name="buffers">The state buffers in the optimizer's order; at most <see cref="MaxBuffers"/>.</param>
    /// <exception cref="ArgumentException">A name is empty or too long, or a count exceeds its limit.</exception>
    public OptimizerStateDescription(string kind, IReadOnlyDictionary<string, double> hyperParameters, long stepCount,
        IReadOnlyList<T[]> buffers)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(hyperParameters);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        if (System.Text.Encoding.UTF8.GetByteCount(kind) > byte.MaxValue)
            throw new ArgumentException($"The optimizer kind is longer than {byte.MaxValue} UTF-8 bytes.", nameof(kind));
        if (hyperParameters.Count > MaxHyperParameters)
            throw new ArgumentException($"{hyperParameters.Count} hyper-parameters exceed the limit of {MaxHyperParameters}.", nameof(hyperParameters));
        if (buffers.Count > MaxBuffers)
            throw new ArgumentException($"{buffers.Count} buffers exceed the limit of {MaxBuffers}.", nameof(buffers));
        var copy = new Dictionary<string, double>(hyperParameters.Count, StringComparer.Ordinal);
        foreach (var (name, value) in hyperParameters)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(hyperParameters));
            if (System.Text.Encoding.UTF8.GetByteCount(name) > byte.MaxValue)
                throw new ArgumentException($"Hyper-parameter name '{name}' is longer than {byte.MaxValue} UTF-8 bytes.", nameof(hyperParameters));
            copy.Add(name, value);
        }
        for (int i = 0; i < buffers.Count; i++)
        {
            if (buffers[i] is null) throw new ArgumentException($"Buffer {i} is null.", nameof(buffers));
        }
        Kind = kind;
        HyperParameters = copy;
        StepCount = stepCount;
        Buffers = [.. buffers];
    }

    /// <summary>The optimizer's name (e.g. "Sgd", "Adam").</summary>
    public string Kind { get; }

    /// <summary>The named hyper-parameters.</summary>
    public IReadOnlyDictionary<string, double> HyperParameters { get; }

    /// <summary>Optimizer steps taken so far.</summary>
    public long StepCount { get; }

    /// <summary>The state buffers, each as long as the parameter block.</summary>
    public IReadOnlyList<T[]> Buffers { get; }
}
