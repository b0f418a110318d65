using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>
/// Gathers the rows named by a slice of a (shuffled) index buffer into preallocated mini-batch buffers, so an epoch
/// over a data set allocates nothing. Shuffle the indices with
/// <see cref="Randomness.Xoshiro256StarStar.Shuffle{TItem}(Span{TItem})"/> and fill them first with <see cref="FillSequence"/>.
/// </summary>
public static class MiniBatch
{
    /// <summary><c>indices[i] = i</c>: the identity order an epoch's shuffle starts from.</summary>
    public static void FillSequence(Span<int> indices)
    {
        for (int i = 0; i < indices.Length; i++) indices[i] = i;
    }

    /// <summary>Copies row <c>indices[i]</c> of the features and its label to row i of the batch, for every i.</summary>
    /// <remarks>features: [n, d]  labels: [n]  indices: [b]  featureBatch: [≥ b, d] (first b rows written)  labelBatch: [≥ b].</remarks>
    /// <exception cref="ArgumentException">Sizes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set.</exception>
    public static void Gather<T>(ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> indices,
        Span2D<T> featureBatch, Span<int> labelBatch) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gather(features, labels, indices, featureBatch, labelBatch, pool: null);

    // The fit loop's gather: the feature rows shared with the trainer's pool when it has one.
    internal static void Gather<T>(ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> indices,
        Span2D<T> featureBatch, Span<int> labelBatch, WorkerPool? pool) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (labels.Length != features.Height)
            throw new ArgumentException("labels has " + labels.Length + " entries but features has " + features.Height + " rows.", nameof(labels));
        if (labelBatch.Length < indices.Length)
            throw new ArgumentException("labelBatch holds " + labelBatch.Length + " labels but " + indices.Length + " are gathered.", nameof(labelBatch));
        GatherRows(features, indices, featureBatch, nameof(featureBatch), pool);
        for (int i = 0; i < indices.Length; i++) labelBatch[i] = labels[indices[i]];
    }

    /// <summary>Copies row <c>indices[i]</c> of the features and of the targets to row i of the batches, for every i.</summary>
    /// <remarks>features: [n, d]  targets: [n, c]  indices: [b]  featureBatch: [≥ b, d]  targetBatch: [≥ b, c].</remarks>
    /// <exception cref="ArgumentException">Sizes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set.</exception>
    public static void Gather<T>(ReadOnlySpan2D<T> features, ReadOnlySpan2D<T> targets, ReadOnlySpan<int> indices,
        Span2D<T> featureBatch, Span2D<T> targetBatch) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gather(features, targets, indices, featureBatch, targetBatch, pool: null);

    internal static void Gather<T>(ReadOnlySpan2D<T> features, ReadOnlySpan2D<T> targets, ReadOnlySpan<int> indices,
        Span2D<T> featureBatch, Span2D<T> targetBatch, WorkerPool? pool) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (targets.Height != features.Height)
            throw new ArgumentException("targets has " + targets.Height + " rows but features has " + features.Height + ".", nameof(targets));
        GatherRows(features, indices, featureBatch, nameof(featureBatch), pool);
        GatherRows(targets, indices, targetBatch, nameof(targetBatch), pool: null);
    }

    // Below this many bytes a gather is over before a worker would have joined it.
    private const long MinimumParallelBytes = 64 * 1024;

    // Every index is checked before any row is copied, so a bad one leaves the batch as it was.
    private static unsafe void GatherRows<T>(ReadOnlySpan2D<T> source, ReadOnlySpan<int> indices, Span2D<T> destination,
        string destinationName, WorkerPool? pool) where T : unmanaged
    {
        if (destination.Width != source.Width || destination.Height < indices.Length)
        {
            throw new ArgumentException("The batch buffer is [" + destination.Height + ", " + destination.Width + "] but "
                + indices.Length + " rows of width " + source.Width + " are gathered.", destinationName);
        }
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            if ((uint)row >= (uint)source.Height)
                throw new ArgumentOutOfRangeException(nameof(indices), row, "Index " + i + " names row " + row + " of a data set with " + source.Height + " rows.");
        }
        int rows = indices.Length;
        if (pool is not { ThreadCount: > 1 } || (long)rows * source.Width * sizeof(T) < MinimumParallelBytes)
        {
            for (int i = 0; i < rows; i++) source.GetRowSpan(indices[i]).CopyTo(destination.GetRowSpan(i));
            return;
        }
        int rowsPerPart = Sizes.CeilDiv(rows, pool.ThreadCount);
        fixed (T* from = &source.DangerousGetReference())
        fixed (int* order = indices)
        fixed (T* to = &destination.DangerousGetReference())
        {
            var job = new GatherRowsJob<T>(from, Check.Stride(source), order, to, Check.Stride<T>(destination), source.Width, rows, rowsPerPart);
            pool.Run(ref job, Sizes.CeilDiv(rows, rowsPerPart));
        }
    }
}

/// <summary>
/// A preallocated mini-batch of features and labels for batches of up to <see cref="Capacity"/> rows; each
/// <see cref="Gather"/> fills it in place and <see cref="Features"/>/<see cref="Labels"/> show the rows gathered.
/// </summary>
/// <typeparam name="T">The element type of the features.</typeparam>
public sealed class MiniBatchBuffer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _features;
    private readonly int[] _labels;

    /// <summary>Allocates room for <paramref name="capacity"/> rows of <paramref name="featureCount"/> features.</summary>
    public MiniBatchBuffer(int capacity, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        _features = new T[capacity * featureCount];
        _labels = new int[capacity];
        FeatureCount = featureCount;
    }

    /// <summary>The largest batch the buffer holds.</summary>
    public int Capacity => _labels.Length;

    /// <summary>The width of a feature row.</summary>
    public int FeatureCount { get; }

    /// <summary>The number of rows the last <see cref="Gather"/> wrote.</summary>
    public int Count { get; private set; }

    /// <summary>The gathered features: [Count, FeatureCount].</summary>
    public ReadOnlySpan2D<T> Features => new(_features, Count, FeatureCount);

    /// <summary>The gathered labels: [Count].</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, Count);

    /// <summary>Gathers the rows named by <paramref name="indices"/> (at most <see cref="Capacity"/>).</summary>
    /// <exception cref="ArgumentException">Sizes disagree or too many indices.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set.</exception>
    public void Gather(ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> indices)
    {
        MiniBatch.Gather(features, labels, indices, new Span2D<T>(_features, Capacity, FeatureCount), _labels);
        Count = indices.Length;
    }
}
