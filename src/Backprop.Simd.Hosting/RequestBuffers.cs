using System.Buffers;

namespace Backprop.Simd.Hosting;

/// <summary>
/// The pool that request bodies, input tensors and answers are rented from. <see cref="ArrayPool{T}.Shared"/> keeps
/// only a few arrays of a size per core and trims them after each gen-2 collection, so with tens of requests in flight
/// it drops arrays and allocates new ones all the time; each lived long enough to be promoted, and they filled gen 2
/// until it was collected. This pool keeps up to <see cref="RetainedPerSize"/> arrays of each size, enough for every
/// request in flight on a busy server, and never trims: in steady state a request rents and returns without allocating.
/// Arrays longer than <see cref="MaxPooledLength"/> (rare, large requests) come from <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
internal static class RequestBuffers<T>
{
    /// <summary>The longest array this pool keeps: 64 KiB. A full pool of every size would hold 256 × 128 KiB = 32 MiB;
    /// a server keeps only the sizes its requests use, as many as were in flight at once (W1 at 64 connections: 0.5 MiB).</summary>
    public static readonly int MaxPooledLength = 64 * 1024 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>Arrays of one size kept for reuse; beyond it a returned array is left to the collector.</summary>
    public const int RetainedPerSize = 256;

    private static readonly ArrayPool<T> s_pooled = ArrayPool<T>.Create(MaxPooledLength, RetainedPerSize);

    /// <summary>An array at least <paramref name="minimumLength"/> long; give it back with <see cref="Return"/>.</summary>
    public static T[] Rent(int minimumLength) =>
        minimumLength <= MaxPooledLength ? s_pooled.Rent(minimumLength) : ArrayPool<T>.Shared.Rent(minimumLength);

    /// <summary>Returns an array from <see cref="Rent"/>; its length says which pool it came from.</summary>
    public static void Return(T[] array)
    {
        if (array.Length == 0) return; // what renting 0 gives: no pool's
        if (array.Length <= MaxPooledLength) s_pooled.Return(array);
        else ArrayPool<T>.Shared.Return(array);
    }
}
