using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Memory;

/// <summary>
/// One contiguous array holding many logical tensors at fixed offsets (parameters, gradients, optimizer moments,
/// activations). The storage is padded with zeros to a whole number of 64-byte vectors so that elementwise passes
/// (optimizer updates, finiteness checks) run over whole <see cref="Vector{T}"/>s with no scalar tail; the padding
/// stays zero because its gradients are zero.
/// </summary>
internal sealed class FlatBlock<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public FlatBlock(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        Storage = new T[PaddedLength(length)];
    }

    /// <summary>The number of logical elements; the storage may be longer.</summary>
    public int Length { get; }

    /// <summary>The whole storage, padding included.</summary>
    public T[] Storage { get; }

    /// <summary>The logical elements.</summary>
    public Span<T> Span => Storage.AsSpan(0, Length);

    /// <summary>The storage seen as whole vectors, padding included.</summary>
    public Span<Vector<T>> Vectors => MemoryMarshal.Cast<T, Vector<T>>(Storage.AsSpan());

    /// <summary>
    /// Rounds up to a multiple of 64 bytes, which is a whole number of <see cref="Vector{T}"/>s for every vector
    /// width .NET offers (128, 256 or 512 bits).
    /// </summary>
    public static int PaddedLength(int length)
    {
        int multiple = Math.Max(64 / Unsafe.SizeOf<T>(), Vector<T>.Count);
        return (length + multiple - 1) / multiple * multiple;
    }
}
