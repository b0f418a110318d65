using System.Numerics;
using System.Runtime.CompilerServices;
using Backprop.Simd.Kernels;

namespace Backprop.Simd.Memory;

/// <summary>
/// One contiguous array holding many logical tensors at fixed offsets (parameters, gradients, optimizer moments,
/// activations). The storage is padded with zeros to a whole number of 64-byte vectors so that elementwise passes
/// (optimizer updates, finiteness checks) run over whole vectors of any variant with no scalar tail; the padding
/// stays zero because its gradients are zero. It is pinned (allocated on the pinned object heap) so that native code
/// may hold its address across calls, as MPI's non-blocking reductions of the gradient block do.
/// </summary>
internal sealed class FlatBlock<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public FlatBlock(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        Storage = GC.AllocateArray<T>(PaddedLength(length), pinned: true);
    }

    /// <summary>The number of logical elements; the storage may be longer.</summary>
    public int Length { get; }

    /// <summary>The whole storage, padding included.</summary>
    public T[] Storage { get; }

    /// <summary>The logical elements.</summary>
    public Span<T> Span => Storage.AsSpan(0, Length);

    /// <summary>Elements in 64 bytes: a whole number of vectors for every width .NET offers (128, 256 or 512 bits).</summary>
    public static int Granule => 64 / Unsafe.SizeOf<T>();

    /// <summary>Rounds up to a multiple of <see cref="Granule"/>.</summary>
    public static int PaddedLength(int length) => Sizes.RoundUp(length, Granule);
}
