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

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank.</summary>
    /// <typeparam name="T">Any unmanaged type; the bytes are copied as they are.</typeparam>
    void Broadcast<T>(Span<T> values, int root) where T : unmanaged;
}
