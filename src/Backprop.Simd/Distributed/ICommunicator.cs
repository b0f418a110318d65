using System.Numerics;

namespace Backprop.Simd.Distributed;

/// <summary>
/// The collective operations data-parallel training needs from a group of processes ("ranks"), each holding a whole
/// replica of the model. <see cref="MpiCommunicator"/> implements it over MPI; implement it over another transport to
/// train with <see cref="DataParallel"/> on that.
/// </summary>
/// <remarks>
/// Every rank must call the same operations in the same order with spans of the same length (the MPI rule for
/// collectives). Sums must give every rank bit-identical results, so that replicas stay identical.
/// </remarks>
public interface ICommunicator
{
    /// <summary>This process's index in the group, 0 to <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of processes in the group.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank with the element-wise sum over all ranks, in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    void AllReduceSum<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Starts <see cref="AllReduceSum{T}(Span{T})"/> without waiting for it, so that computation can go on meanwhile;
    /// <see cref="WaitForReductions"/> completes every reduction started. The memory behind <paramref name="values"/>
    /// must not move or be touched until then (pinned or native memory).
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    void StartAllReduceSum<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Waits until every reduction started by <see cref="StartAllReduceSum{T}(Span{T})"/> is complete.</summary>
    void WaitForReductions();

    /// <summary>
    /// Sums <paramref name="values"/> element-wise over all ranks and leaves each rank only its own piece of the sum:
    /// rank r receives the <c>counts[r]</c> elements after the first <c>counts[0] + … + counts[r−1]</c>, in
    /// <paramref name="piece"/> (MPI's reduce-scatter). <paramref name="piece"/> may be this rank's own piece of
    /// <paramref name="values"/> (in place); the rest of <paramref name="values"/> is left as it was.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    void ReduceScatterSum<T>(ReadOnlySpan<T> values, Span<T> piece, ReadOnlySpan<int> counts) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The inverse, in place: rank r's piece of <paramref name="values"/> (its <c>counts[r]</c> elements at the same
    /// offsets) is copied into every other rank's <paramref name="values"/> (MPI's all-gather).
    /// </summary>
    /// <typeparam name="T">Any unmanaged type; the bytes are copied as they are.</typeparam>
    void AllGather<T>(Span<T> values, ReadOnlySpan<int> counts) where T : unmanaged;

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank.</summary>
    /// <typeparam name="T">Any unmanaged type; the bytes are copied as they are.</typeparam>
    void Broadcast<T>(Span<T> values, int root) where T : unmanaged;
}
