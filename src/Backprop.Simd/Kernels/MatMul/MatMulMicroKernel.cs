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
    // B: packed [depth][TPanel.Vectors·Count]  C: [TileRows, TPanel.Vectors·Count] at pitch cPitch.
    // Without `load` the tile starts from zero, so C need not hold anything.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOps, TVector, T, TLayout, TPanel>(T* a, nint aPitch, T* b, int depth, T* c, nint cPitch, bool load)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TLayout : IPanelLayout
        where TPanel : IPanelWidth
    {
        // Constants for a packed panel, so its addressing costs no registers.
        nint aRow = TLayout.InPlace ? aPitch : 1;
        nint aStep = TLayout.InPlace ? 1 : TOps.TileRows;
        int width = TOps.Count;
        int rows = TOps.TileRows;
        bool two = TPanel.Vectors == 2;
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
            { c00 = TOps.Load(in *(c + (0 * cPitch))); if (two) c01 = TOps.Load(in *(c + (0 * cPitch) + width)); }
            if (rows > 1) { c10 = TOps.Load(in *(c + (1 * cPitch))); if (two) c11 = TOps.Load(in *(c + (1 * cPitch) + width)); }
            if (rows > 2) { c20 = TOps.Load(in *(c + (2 * cPitch))); if (two) c21 = TOps.Load(in *(c + (2 * cPitch) + width)); }
            if (rows > 3) { c30 = TOps.Load(in *(c + (3 * cPitch))); if (two) c31 = TOps.Load(in *(c + (3 * cPitch) + width)); }
            if (rows > 4) { c40 = TOps.Load(in *(c + (4 * cPitch))); if (two) c41 = TOps.Load(in *(c + (4 * cPitch) + width)); }
            if (rows > 5) { c50 = TOps.Load(in *(c + (5 * cPitch))); if (two) c51 = TOps.Load(in *(c + (5 * cPitch) + width)); }
            if (rows > 6) { c60 = TOps.Load(in *(c + (6 * cPitch))); if (two) c61 = TOps.Load(in *(c + (6 * cPitch) + width)); }
            if (rows > 7) { c70 = TOps.Load(in *(c + (7 * cPitch))); if (two) c71 = TOps.Load(in *(c + (7 * cPitch) + width)); }
            if (rows > 8) { c80 = TOps.Load(in *(c + (8 * cPitch))); if (two) c81 = TOps.Load(in *(c + (8 * cPitch) + width)); }
            if (rows > 9) { c90 = TOps.Load(in *(c + (9 * cPitch))); if (two) c91 = TOps.Load(in *(c + (9 * cPitch) + width)); }
            if (rows > 10) { c100 = TOps.Load(in *(c + (10 * cPitch))); if (two) c101 = TOps.Load(in *(c + (10 * cPitch) + width)); }
            if (rows > 11) { c110 = TOps.Load(in *(c + (11 * cPitch))); if (two) c111 = TOps.Load(in *(c + (11 * cPitch) + width)); }
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
            b += TPanel.Vectors * width;
        }

        { TOps.Store(c00, ref *(c + (0 * cPitch))); if (two) TOps.Store(c01, ref *(c + (0 * cPitch) + width)); }
        if (rows > 1) { TOps.Store(c10, ref *(c + (1 * cPitch))); if (two) TOps.Store(c11, ref *(c + (1 * cPitch) + width)); }
        if (rows > 2) { TOps.Store(c20, ref *(c + (2 * cPitch))); if (two) TOps.Store(c21, ref *(c + (2 * cPitch) + width)); }
        if (rows > 3) { TOps.Store(c30, ref *(c + (3 * cPitch))); if (two) TOps.Store(c31, ref *(c + (3 * cPitch) + width)); }
        if (rows > 4) { TOps.Store(c40, ref *(c + (4 * cPitch))); if (two) TOps.Store(c41, ref *(c + (4 * cPitch) + width)); }
        if (rows > 5) { TOps.Store(c50, ref *(c + (5 * cPitch))); if (two) TOps.Store(c51, ref *(c + (5 * cPitch) + width)); }
        if (rows > 6) { TOps.Store(c60, ref *(c + (6 * cPitch))); if (two) TOps.Store(c61, ref *(c + (6 * cPitch) + width)); }
        if (rows > 7) { TOps.Store(c70, ref *(c + (7 * cPitch))); if (two) TOps.Store(c71, ref *(c + (7 * cPitch) + width)); }
        if (rows > 8) { TOps.Store(c80, ref *(c + (8 * cPitch))); if (two) TOps.Store(c81, ref *(c + (8 * cPitch) + width)); }
        if (rows > 9) { TOps.Store(c90, ref *(c + (9 * cPitch))); if (two) TOps.Store(c91, ref *(c + (9 * cPitch) + width)); }
        if (rows > 10) { TOps.Store(c100, ref *(c + (10 * cPitch))); if (two) TOps.Store(c101, ref *(c + (10 * cPitch) + width)); }
        if (rows > 11) { TOps.Store(c110, ref *(c + (11 * cPitch))); if (two) TOps.Store(c111, ref *(c + (11 * cPitch) + width)); }
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
