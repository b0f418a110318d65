using Backprop.Simd.Distributed;

namespace Backprop.Simd.Training;

/// <summary>How a <see cref="FitLoop{T}"/> trains: epochs, batches, shuffling, diagnostics and early stopping.</summary>
public sealed record FitOptions
{
    /// <summary>The epoch count a run trains up to (counting epochs completed before a resume). Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per mini-batch, at most the trainer's <c>MaxBatch</c>; null uses <c>MaxBatch</c>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>When true (the default) every epoch visits the rows in a fresh random order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The seed of the shuffling generator (xoshiro256**); the same seed gives the same orders.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// When true, each epoch's metrics include the per-layer gradient norms (mean over its steps of
    /// <see cref="Trainer{T}.ErrorNorms"/> and <see cref="Trainer{T}.WeightGradientNorms"/>); costs one extra pass
    /// over the errors and gradients per step.
    /// </summary>
    public bool TrackLayerNorms { get; init; }

    /// <summary>Early stopping and best-weights restoration; null trains every epoch and keeps the last weights.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>
    /// Trains this process's share of each mini-batch and sums the gradients over the ranks of a group before each
    /// update (<see cref="Distributed.DataParallel"/>); null trains alone. <see cref="BatchSize"/> is then the global
    /// batch. Every rank must run the loop with the same options, data and seed.
    /// </summary>
    public DataParallel? DataParallel { get; init; }
}
