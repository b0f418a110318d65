using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The register-blocked heart of every matrix product: a tile of up to 12 rows × 2 vectors of C stays in registers
/// while the packed panels of A and B stream past. Rows beyond <c>TOps.TileRows</c> and the second vector column of a
/// one-vector panel are removed by the JIT, so one body serves every variant and panel width.
/// </summary>
internal static unsafe class MatMulMicroKernel
{
    public const int MaxTileRows = 12;

    // A: packed [depth][TileRows], or in place (row-major, rows aPitch apart) when TLayout says so.
    // B: packed [depth][TPanel.Vectors·Count] (bPitch = that width), or in place with rows bPitch apart.  C: [TileRows, TPanel.Vectors·Count] at pitch cPitch, or for an edge tile
    // (TEdge) only its rows firstRow to endRow − 1 and first `columns` columns, read and written by masked vectors.
    // Without `load` the tile starts from zero, so C need not hold anything.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOps, TVector, T, TLayout, TPanel, TEdge>(T* a, nint aPitch, T* b, nint bPitch, int depth, T* c, nint cPitch, bool load,
        int firstRow, int endRow, int columns)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TLayout : IPanelLayout
        where TPanel : IPanelWidth
        where TEdge : ITileEdge
    {
        // Constants for a packed panel, so its addressing costs no registers.
        nint aRow = TLayout.InPlace ? aPitch : 1;
        nint aStep = TLayout.InPlace ? 1 : TOps.TileRows;
        int width = TOps.Count;
        int rows = TOps.TileRows;
        bool two = TPanel.Vectors == 2;
        int lanes0 = Math.Min(columns, width), lanes1 = columns - width;
        TVector c00 = TOps.Zero, c01 = TOps.Zero;
        TVector c10 = TOps.Zero, c11 = TOps.Zero;
        TVector c20 = TOps.Zero, c21 = TOps.Zero;
        TVector c30 = TOps.Zero, c31 = TOps.Zero;
        TVector c40 = TOps.Zero, c41 = TOps.Zero;
        TVector c50 = TOps.Zero, c51 = TOps.Zero;
        TVector c60 = TOps.Zero, c61 = TOps.Zero;
        TVector c70 = TOps.Zero, c71 = TOps.Zero;
        TVector c80 = TOps.Zero, c81 = TOps.Zero;
        TVector c90 = TOps.Zero, c91 = TOps.Zero;
        TVector c100 = TOps.Zero, c101 = TOps.Zero;
        TVector c110 = TOps.Zero, c111 = TOps.Zero;
        if (load)
        {
            { c00 = LoadC<TOps, TVector, T, TEdge>(c + (0 * cPitch), firstRow <= 0 && 0 < endRow, lanes0); if (two) c01 = LoadC<TOps, TVector, T, TEdge>(c + (0 * cPitch) + width, firstRow <= 0 && 0 < endRow, lanes1); }
            if (rows > 1) { c10 = LoadC<TOps, TVector, T, TEdge>(c + (1 * cPitch), firstRow <= 1 && 1 < endRow, lanes0); if (two) c11 = LoadC<TOps, TVector, T, TEdge>(c + (1 * cPitch) + width, firstRow <= 1 && 1 < endRow, lanes1); }
            if (rows > 2) { c20 = LoadC<TOps, TVector, T, TEdge>(c + (2 * cPitch), firstRow <= 2 && 2 < endRow, lanes0); if (two) c21 = LoadC<TOps, TVector, T, TEdge>(c + (2 * cPitch) + width, firstRow <= 2 && 2 < endRow, lanes1); }
            if (rows > 3) { c30 = LoadC<TOps, TVector, T, TEdge>(c + (3 * cPitch), firstRow <= 3 && 3 < endRow, lanes0); if (two) c31 = LoadC<TOps, TVector, T, TEdge>(c + (3 * cPitch) + width, firstRow <= 3 && 3 < endRow, lanes1); }
            if (rows > 4) { c40 = LoadC<TOps, TVector, T, TEdge>(c + (4 * cPitch), firstRow <= 4 && 4 < endRow, lanes0); if (two) c41 = LoadC<TOps, TVector, T, TEdge>(c + (4 * cPitch) + width, firstRow <= 4 && 4 < endRow, lanes1); }
            if (rows > 5) { c50 = LoadC<TOps, TVector, T, TEdge>(c + (5 * cPitch), firstRow <= 5 && 5 < endRow, lanes0); if (two) c51 = LoadC<TOps, TVector, T, TEdge>(c + (5 * cPitch) + width, firstRow <= 5 && 5 < endRow, lanes1); }
            if (rows > 6) { c60 = LoadC<TOps, TVector, T, TEdge>(c + (6 * cPitch), firstRow <= 6 && 6 < endRow, lanes0); if (two) c61 = LoadC<TOps, TVector, T, TEdge>(c + (6 * cPitch) + width, firstRow <= 6 && 6 < endRow, lanes1); }
            if (rows > 7) { c70 = LoadC<TOps, TVector, T, TEdge>(c + (7 * cPitch), firstRow <= 7 && 7 < endRow, lanes0); if (two) c71 = LoadC<TOps, TVector, T, TEdge>(c + (7 * cPitch) + width, firstRow <= 7 && 7 < endRow, lanes1); }
            if (rows > 8) { c80 = LoadC<TOps, TVector, T, TEdge>(c + (8 * cPitch), firstRow <= 8 && 8 < endRow, lanes0); if (two) c81 = LoadC<TOps, TVector, T, TEdge>(c + (8 * cPitch) + width, firstRow <= 8 && 8 < endRow, lanes1); }
            if (rows > 9) { c90 = LoadC<TOps, TVector, T, TEdge>(c + (9 * cPitch), firstRow <= 9 && 9 < endRow, lanes0); if (two) c91 = LoadC<TOps, TVector, T, TEdge>(c + (9 * cPitch) + width, firstRow <= 9 && 9 < endRow, lanes1); }
            if (rows > 10) { c100 = LoadC<TOps, TVector, T, TEdge>(c + (10 * cPitch), firstRow <= 10 && 10 < endRow, lanes0); if (two) c101 = LoadC<TOps, TVector, T, TEdge>(c + (10 * cPitch) + width, firstRow <= 10 && 10 < endRow, lanes1); }
            if (rows > 11) { c110 = LoadC<TOps, TVector, T, TEdge>(c + (11 * cPitch), firstRow <= 11 && 11 < endRow, lanes0); if (two) c111 = LoadC<TOps, TVector, T, TEdge>(c + (11 * cPitch) + width, firstRow <= 11 && 11 < endRow, lanes1); }
        }

        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TOps.Load(in *b);
            TVector b1 = two ? TOps.Load(in *(b + width)) : b0;
            TVector ai;
            { ai = TOps.Broadcast(a[0]); c00 = TOps.MultiplyAdd(ai, b0, c00); if (two) c01 = TOps.MultiplyAdd(ai, b1, c01); }
            if (rows > 1) { ai = TOps.Broadcast(a[1 * aRow]); c10 = TOps.MultiplyAdd(ai, b0, c10); if (two) c11 = TOps.MultiplyAdd(ai, b1, c11); }
            if (rows > 2) { ai = TOps.Broadcast(a[2 * aRow]); c20 = TOps.MultiplyAdd(ai, b0, c20); if (two) c21 = TOps.MultiplyAdd(ai, b1, c21); }
            if (rows > 3) { ai = TOps.Broadcast(a[3 * aRow]); c30 = TOps.MultiplyAdd(ai, b0, c30); if (two) c31 = TOps.MultiplyAdd(ai, b1, c31); }
            if (rows > 4) { ai = TOps.Broadcast(a[4 * aRow]); c40 = TOps.MultiplyAdd(ai, b0, c40); if (two) c41 = TOps.MultiplyAdd(ai, b1, c41); }
            if (rows > 5) { ai = TOps.Broadcast(a[5 * aRow]); c50 = TOps.MultiplyAdd(ai, b0, c50); if (two) c51 = TOps.MultiplyAdd(ai, b1, c51); }
            if (rows > 6) { ai = TOps.Broadcast(a[6 * aRow]); c60 = TOps.MultiplyAdd(ai, b0, c60); if (two) c61 = TOps.MultiplyAdd(ai, b1, c61); }
            if (rows > 7) { ai = TOps.Broadcast(a[7 * aRow]); c70 = TOps.MultiplyAdd(ai, b0, c70); if (two) c71 = TOps.MultiplyAdd(ai, b1, c71); }
            if (rows > 8) { ai = TOps.Broadcast(a[8 * aRow]); c80 = TOps.MultiplyAdd(ai, b0, c80); if (two) c81 = TOps.MultiplyAdd(ai, b1, c81); }
            if (rows > 9) { ai = TOps.Broadcast(a[9 * aRow]); c90 = TOps.MultiplyAdd(ai, b0, c90); if (two) c91 = TOps.MultiplyAdd(ai, b1, c91); }
            if (rows > 10) { ai = TOps.Broadcast(a[10 * aRow]); c100 = TOps.MultiplyAdd(ai, b0, c100); if (two) c101 = TOps.MultiplyAdd(ai, b1, c101); }
            if (rows > 11) { ai = TOps.Broadcast(a[11 * aRow]); c110 = TOps.MultiplyAdd(ai, b0, c110); if (two) c111 = TOps.MultiplyAdd(ai, b1, c111); }
            a += aStep;
            b += bPitch;
        }

        { StoreC<TOps, TVector, T, TEdge>(c + (0 * cPitch), c00, firstRow <= 0 && 0 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (0 * cPitch) + width, c01, firstRow <= 0 && 0 < endRow, lanes1); }
        if (rows > 1) { StoreC<TOps, TVector, T, TEdge>(c + (1 * cPitch), c10, firstRow <= 1 && 1 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (1 * cPitch) + width, c11, firstRow <= 1 && 1 < endRow, lanes1); }
        if (rows > 2) { StoreC<TOps, TVector, T, TEdge>(c + (2 * cPitch), c20, firstRow <= 2 && 2 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (2 * cPitch) + width, c21, firstRow <= 2 && 2 < endRow, lanes1); }
        if (rows > 3) { StoreC<TOps, TVector, T, TEdge>(c + (3 * cPitch), c30, firstRow <= 3 && 3 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (3 * cPitch) + width, c31, firstRow <= 3 && 3 < endRow, lanes1); }
        if (rows > 4) { StoreC<TOps, TVector, T, TEdge>(c + (4 * cPitch), c40, firstRow <= 4 && 4 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (4 * cPitch) + width, c41, firstRow <= 4 && 4 < endRow, lanes1); }
        if (rows > 5) { StoreC<TOps, TVector, T, TEdge>(c + (5 * cPitch), c50, firstRow <= 5 && 5 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (5 * cPitch) + width, c51, firstRow <= 5 && 5 < endRow, lanes1); }
        if (rows > 6) { StoreC<TOps, TVector, T, TEdge>(c + (6 * cPitch), c60, firstRow <= 6 && 6 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (6 * cPitch) + width, c61, firstRow <= 6 && 6 < endRow, lanes1); }
        if (rows > 7) { StoreC<TOps, TVector, T, TEdge>(c + (7 * cPitch), c70, firstRow <= 7 && 7 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (7 * cPitch) + width, c71, firstRow <= 7 && 7 < endRow, lanes1); }
        if (rows > 8) { StoreC<TOps, TVector, T, TEdge>(c + (8 * cPitch), c80, firstRow <= 8 && 8 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (8 * cPitch) + width, c81, firstRow <= 8 && 8 < endRow, lanes1); }
        if (rows > 9) { StoreC<TOps, TVector, T, TEdge>(c + (9 * cPitch), c90, firstRow <= 9 && 9 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (9 * cPitch) + width, c91, firstRow <= 9 && 9 < endRow, lanes1); }
        if (rows > 10) { StoreC<TOps, TVector, T, TEdge>(c + (10 * cPitch), c100, firstRow <= 10 && 10 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (10 * cPitch) + width, c101, firstRow <= 10 && 10 < endRow, lanes1); }
        if (rows > 11) { StoreC<TOps, TVector, T, TEdge>(c + (11 * cPitch), c110, firstRow <= 11 && 11 < endRow, lanes0); if (two) StoreC<TOps, TVector, T, TEdge>(c + (11 * cPitch) + width, c111, firstRow <= 11 && 11 < endRow, lanes1); }
    }

    // One vector of C: all of it in a full tile; in an edge tile its lanes inside C (a plain vector when that is all of
    // them: AVX's masked stores are slow on some processors), none when lanes ≤ 0 or the row is not the tile's to write,
    // so a ragged edge needs no copy of the tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector LoadC<TOps, TVector, T, TEdge>(T* c, bool rowInside, int lanes)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEdge : ITileEdge =>
        !TEdge.Partial || (rowInside && lanes >= TOps.Count) ? TOps.Load(in *c)
        : rowInside && lanes > 0 ? TOps.LoadMasked(c, lanes) : TOps.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreC<TOps, TVector, T, TEdge>(T* c, TVector value, bool rowInside, int lanes)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEdge : ITileEdge
    {
        if (!TEdge.Partial || (rowInside && lanes >= TOps.Count)) TOps.Store(value, ref *c);
        else if (rowInside && lanes > 0) TOps.StoreMasked(value, c, lanes);
    }
}

/// <summary>How the micro-kernel finds A: packed into a panel, or read in place from a row-major matrix.</summary>
internal interface IPanelLayout
{
    static abstract bool InPlace { get; }
}

/// <summary>A packed into [depth][TileRows] panels.</summary>
internal readonly struct PackedPanel : IPanelLayout
{
    public static bool InPlace => false;
}

/// <summary>A read where it lies: row-major, rows a pitch apart.</summary>
internal readonly struct RowMajorInPlace : IPanelLayout
{
    public static bool InPlace => true;
}

/// <summary>How many vectors wide the B panel and the register tile are.</summary>
internal interface IPanelWidth
{
    static abstract int Vectors { get; }
}

/// <summary>The usual panel: two vectors, for twice the FMAs per broadcast of A.</summary>
internal readonly struct TwoVectorPanel : IPanelWidth
{
    public static int Vectors => 2;
}

/// <summary>For a C no wider than one vector (an output layer of 10): no FMA is spent on a second, empty vector.</summary>
internal readonly struct OneVectorPanel : IPanelWidth
{
    public static int Vectors => 1;
}

/// <summary>Whether a tile of C is whole or cut by the edge of C (fewer rows or columns than the register tile).</summary>
internal interface ITileEdge
{
    static abstract bool Partial { get; }
}

/// <summary>All TileRows × panel-width elements lie in C: plain vector loads and stores.</summary>
internal readonly struct FullTile : ITileEdge
{
    public static bool Partial => false;
}

/// <summary>The last rows or columns of C: rows past it skipped, columns past it masked.</summary>
internal readonly struct EdgeTile : ITileEdge
{
    public static bool Partial => true;
}
