namespace Backprop.Simd.Threading;

/// <summary>
/// One parallel job, passed to <see cref="WorkerPool"/> by reference as a struct so that the JIT specialises the call
/// and nothing is allocated: no delegate, no closure, no boxing.
/// </summary>
internal interface IParallelWork
{
    /// <summary>Does part <paramref name="part"/> of the job. Parts must write disjoint outputs and must not throw.</summary>
    void Execute(int part);
}
