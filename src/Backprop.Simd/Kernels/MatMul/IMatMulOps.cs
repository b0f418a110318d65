using System.Diagnostics;
using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// What the blocked matrix kernel needs beyond <see cref="IVectorOps{TVector, T}"/> from one instruction-set variant:
/// its register tile, loads and stores of a partial vector for the edges of C and B, and, where it has one, a
/// shuffle-based block transpose for packing.
/// </summary>
internal unsafe interface IMatMulOps<TVector, T> : IVectorOps<TVector, T>
    where TVector : struct
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows of the register tile (its width is two vectors); sized to the register file.</summary>
    static abstract int TileRows { get; }

    /// <summary>
    /// The first <paramref name="lanes"/> (1 to Count) elements at <paramref name="source"/>, the rest zero; memory past
    /// them is not read. A masked instruction where the processor has one, else <see cref="Lanes.LoadFirst"/>.
    /// </summary>
    static abstract TVector LoadMasked(T* source, int lanes);

    /// <summary>Stores the first <paramref name="lanes"/> (1 to Count) elements only, as <see cref="LoadMasked"/> reads.</summary>
    static abstract void StoreMasked(TVector value, T* destination, int lanes);

    /// <summary>
    /// Whether <see cref="LoadMasked"/> and <see cref="StoreMasked"/> are one fast instruction each (AVX-512 masks), so
    /// that packing and transposed outputs may use them in bulk; AVX's vmaskmov stores are slow on some processors.
    /// </summary>
    static virtual bool MasksAreCheap => false;

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
