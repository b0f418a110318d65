using System.Diagnostics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// What the blocked matrix kernel needs from one instruction-set variant: its vector operations and its tile size.
/// Each variant is a stateless struct, so the JIT specialises and inlines the one generic kernel body per variant.
/// </summary>
internal unsafe interface IMatMulOps<TVector, T>
    where TVector : unmanaged
    where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Rows of the register tile (its width is two vectors); sized to the register file.</summary>
    static abstract int TileRows { get; }

    static abstract TVector Zero { get; }
    static abstract TVector Broadcast(T value);
    static abstract TVector Load(T* source);
    static abstract void Store(TVector value, T* destination);
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
    static abstract TVector Add(TVector left, TVector right);
    static abstract T Sum(TVector value);

    /// <summary>Whether <see cref="TransposeBlock"/> has a shuffle-based body for this variant and element type.</summary>
    static virtual bool HasBlockTranspose => false;

    /// <summary>
    /// Copies a Count × Count block transposed: destination row r (rows <paramref name="destinationPitch"/> apart)
    /// receives source column r, where source row i is Count contiguous elements at <c>source + i·sourcePitch</c>.
    /// Rows are stored in increasing order: with a pitch below Count each row's tail is overwritten by the next row, and
    /// the last row writes Count − pitch elements past the block's Count·pitch. Only called when
    /// <see cref="HasBlockTranspose"/> is true.
    /// </summary>
    static virtual void TransposeBlock(T* source, nint sourcePitch, T* destination, nint destinationPitch) =>
        throw new UnreachableException();
}
