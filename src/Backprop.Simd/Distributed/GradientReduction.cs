namespace Backprop.Simd.Distributed;

/// <summary>How a <see cref="DataParallel"/> step combines the ranks' gradients and updates the parameters.</summary>
public enum GradientReduction
{
    /// <summary>
    /// The default: one blocking all-reduce of the whole gradient block after the backward pass; every rank applies the
    /// whole update.
    /// </summary>
    AllReduce,

    /// <summary>
    /// The gradients are reduce-scattered, each rank applies the optimizer to its 1/N of the parameters only (its shard
    /// of the optimizer's work, as ZeRO stage 1 and PyTorch's ZeroRedundancyOptimizer do), and the updated parameters
    /// are all-gathered: the same bytes move as in an all-reduce, but the optimizer's pass over the parameters — a
    /// fixed cost of every step that more ranks do not shrink — is shared. The optimizer state is gathered whole at the
    /// end of every epoch.
    /// </summary>
    ShardedOptimizer,

    /// <summary>
    /// A non-blocking all-reduce of each layer's gradients as soon as the backward pass has produced them (the last layer
    /// first), as DistributedDataParallel's buckets do, so communication can proceed under the earlier layers'
    /// backward; every rank applies the whole update. It pays where the network card moves the bytes; on one machine's
    /// shared memory the CPU does, and Open MPI's non-blocking collectives progress only inside MPI calls.
    /// </summary>
    OverlappedAllReduce,
}
