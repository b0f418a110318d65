using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Cache-blocked product <c>C[m, n] (+)= A[m, k]·B[k, n]</c> over strided views, for any vector variant. Loop order and
/// block sizes follow the BLIS design: a depth slice of A (block rows × depth) is packed to sit in L2, one B panel
/// (depth × two vectors) is packed to sit in L1, and the micro-kernel sweeps the A block against that panel.
/// </summary>
internal static unsafe class MatMulBlocked
{
    // The B panel the micro-kernel re-reads for every tile of rows must stay in L1 (32–48 KiB) beside A and C.
    // Sized for the two-vector panel whatever the width, because the depth slicing fixes the rounding of every element
    // and must not change when a parallel job cuts C into narrower pieces.
    private const int PanelBBytes = 16 * 1024;

    // The packed A block is re-read once per B panel, from L2 (1 MiB per core).
    private const int BlockABytes = 256 * 1024;

    public static void Run<TOps, TVector, T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int k, bool accumulate)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n <= TOps.Count)
        {
            Run<TOps, TVector, T, OneVectorPanel>(a, b, c, m, n, k, accumulate);
        }
        else
        {
            Run<TOps, TVector, T, TwoVectorPanel>(a, b, c, m, n, k, accumulate);
        }
    }

    // Compiled fully optimised at first call, not tiered: the first epoch runs at full speed instead of in
    // unoptimised code, and the arithmetic never changes when a method is recompiled. Never inlined into a tiered
    // caller, where PGO's rewrite can run out of inlining budget and turn the vector helpers into calls.
    // The stack tiles are not zeroed (SkipLocalsInit): only lanes that were written are ever stored to C.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private static void Run<TOps, TVector, T, TPanel>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int k, bool accumulate)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : IPanelWidth
    {
        int tileRows = TOps.TileRows, panelWidth = TPanel.Vectors * TOps.Count;
        int maxDepth = Math.Max(16, PanelBBytes / (2 * TOps.Count * sizeof(T)));
        int maxBlockRows = Math.Max(tileRows, BlockABytes / (maxDepth * sizeof(T)) / tileRows * tileRows);

        // Equal slices rather than full slices plus a ragged last one keep every micro-kernel call long.
        int depthSlices = Sizes.CeilDiv(k, maxDepth), depth = Sizes.CeilDiv(k, depthSlices);
        int rowBlocks = Sizes.CeilDiv(m, maxBlockRows), blockRows = Sizes.CeilDiv(Sizes.CeilDiv(m, rowBlocks), tileRows) * tileRows;

        T* packedA = MatMulPackingBuffers.PanelA<T>(maxBlockRows * maxDepth);
        T* packedB = MatMulPackingBuffers.PanelB<T>(maxDepth * panelWidth);
        // Count rows at least, and a Count × Count block, for the block transposes between the tile and a transposed C.
        T* edgeTile = stackalloc T[Math.Max(tileRows, TOps.Count) * panelWidth];
        T* block = stackalloc T[TOps.Count * TOps.Count];

        for (int p0 = 0; p0 < k; p0 += depth)
        {
            int sliceDepth = Math.Min(depth, k - p0);
            bool load = accumulate || p0 > 0;
            for (int i0 = 0; i0 < m; i0 += blockRows)
            {
                int rows = Math.Min(blockRows, m - i0);

                // Packing A pays only when its panel meets several B panels; a narrow row-major A is read in place.
                bool aInPlace = a.ColumnStride == 1 && n <= panelWidth;
                if (!aInPlace) PackA<TOps, TVector, T>(a, i0, p0, rows, sliceDepth, packedA);
                for (int j0 = 0; j0 < n; j0 += panelWidth)
                {
                    int columns = Math.Min(panelWidth, n - j0);

                    // A panel that meets one tile of rows is read where it lies: packing would copy it for a single use.
                    bool bInPlace = b.ColumnStride == 1 && columns == panelWidth && rows <= tileRows;
                    T* panelB = bInPlace ? b.At(p0, j0) : packedB;
                    nint bPitch = bInPlace ? b.RowStride : panelWidth;
                    if (!bInPlace) PackB<TOps, TVector, T>(b, p0, j0, sliceDepth, columns, panelWidth, packedB);
                    for (int i = 0; i < rows; i += tileRows)
                    {
                        T* panelA = packedA + ((nint)i * sliceDepth);
                        int validRows = Math.Min(tileRows, rows - i);
                        if (c.ColumnStride == 1)
                        {
                            // A short last tile of an in-place A moves up over rows already done and stores only its own:
                            // it reads rows that exist, so it needs no packed copy of A.
                            int shift = aInPlace && validRows < tileRows && i0 + i + validRows >= tileRows ? tileRows - validRows : 0;
                            bool tileInPlace = aInPlace && (validRows == tileRows || shift > 0);
                            if (aInPlace && !tileInPlace) PackA<TOps, TVector, T>(a, i0 + i, p0, validRows, sliceDepth, panelA);
                            T* tileA = a.At(i0 + i - shift, p0), tileC = c.At(i0 + i - shift, j0);
                            if (validRows == tileRows && columns == panelWidth)
                            {
                                Tile<TOps, TVector, T, TPanel, FullTile>(tileInPlace, tileA, a.RowStride, panelA, panelB, bPitch, sliceDepth,
                                    tileC, c.RowStride, load, 0, tileRows, columns);
                            }
                            else
                            {
                                Tile<TOps, TVector, T, TPanel, EdgeTile>(tileInPlace, tileA, a.RowStride, panelA, panelB, bPitch, sliceDepth,
                                    tileC, c.RowStride, load, shift, shift + validRows, columns);
                            }

                            continue;
                        }

                        T* target = c.At(i0 + i, j0);
                        bool inPlace = aInPlace && validRows == tileRows;
                        if (aInPlace && !inPlace) PackA<TOps, TVector, T>(a, i0 + i, p0, validRows, sliceDepth, panelA);

                        // A transposed output goes through a row-major tile, which the kernel writes with vector stores.
                        bool byBlocks = TOps.HasBlockTranspose && TOps.MasksAreCheap && c.RowStride == 1 && validRows <= TOps.Count;
                        if (load && byBlocks) LoadTransposed<TOps, TVector, T>(target, c.ColumnStride, edgeTile, panelWidth, block, validRows, columns);
                        else if (load) CopyTile(target, c.RowStride, c.ColumnStride, edgeTile, panelWidth, 1, validRows, columns);
                        Tile<TOps, TVector, T, TPanel, FullTile>(inPlace, a.At(i0 + i, p0), a.RowStride, panelA, panelB, bPitch, sliceDepth,
                            edgeTile, panelWidth, load, 0, tileRows, panelWidth);
                        if (byBlocks) StoreTransposed<TOps, TVector, T>(edgeTile, panelWidth, target, c.ColumnStride, block, validRows, columns);
                        else CopyTile(edgeTile, panelWidth, 1, target, c.RowStride, c.ColumnStride, validRows, columns);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TOps, TVector, T, TPanel, TEdge>(bool inPlace, T* a, nint aPitch, T* packedA, T* b, nint bPitch, int depth,
        T* c, nint cPitch, bool load, int firstRow, int endRow, int columns)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : IPanelWidth
        where TEdge : ITileEdge
    {
        if (inPlace)
        {
            MatMulMicroKernel.Run<TOps, TVector, T, RowMajorInPlace, TPanel, TEdge>(a, aPitch, b, bPitch, depth, c, cPitch, load, firstRow, endRow, columns);
        }
        else
        {
            MatMulMicroKernel.Run<TOps, TVector, T, PackedPanel, TPanel, TEdge>(packedA, 0, b, bPitch, depth, c, cPitch, load, firstRow, endRow, columns);
        }
    }

    // Packed A: for each tile of TileRows rows, [depth][TileRows], rows past the end zero. Each row of the view is
    // walked with pointer increments (contiguous for row-major A; for a transposed view a tile's rows share cache
    // lines): packing is a measurable share of the narrow products.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void PackA<TOps, TVector, T>(MatrixView<T> a, int i0, int p0, int rows, int depth, T* packed)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int tileRows = TOps.TileRows;
        if (a.RowStride == 1)
        {
            // A transposed view (∂W's Xᵀ): a tile's rows lie side by side, so each depth step copies one short run.
            for (int i = 0; i < rows; i += tileRows)
            {
                int validRows = Math.Min(tileRows, rows - i);
                T* source = a.At(i0 + i, p0), target = packed + ((nint)i * depth);
                if (TOps.Count >= tileRows && i + TOps.Count <= rows)
                {
                    // One vector per depth step. Its lanes past the tile read rows that exist and land in the next
                    // step's slot or the next tile's first, both written afterwards.
                    for (int p = 0; p < depth; p++, source += a.ColumnStride, target += tileRows) TOps.Store(TOps.Load(in *source), ref *target);
                    continue;
                }

                if (TOps.Count >= tileRows && TOps.MasksAreCheap)
                {
                    // The last tile: masks read only its rows and write only its slot, the rows past them zero.
                    for (int p = 0; p < depth; p++, source += a.ColumnStride, target += tileRows)
                    {
                        TOps.StoreMasked(TOps.LoadMasked(source, validRows), target, tileRows);
                    }

                    continue;
                }

                for (int p = 0; p < depth; p++, source += a.ColumnStride, target += tileRows)
                {
                    int r = 0;
                    for (; r < validRows; r++) target[r] = source[r];
                    for (; r < tileRows; r++) target[r] = T.Zero;
                }
            }

            return;
        }

        // Row-major A: a tile's rows go through the variant's block transpose, Count rows at a time, when that many rows
        // exist. The rows past the tile land in lanes that the next depth step's store overwrites, and the last store's
        // spill reaches the next depth block or the next tile, both written afterwards.
        int block = TOps.HasBlockTranspose && a.ColumnStride == 1 && TOps.Count >= tileRows ? TOps.Count : 0;
        T* staged = stackalloc T[2 * TOps.Count * TOps.Count];
        T* transposed = staged + (TOps.Count * TOps.Count);
        for (int i = 0; i < rows; i += tileRows)
        {
            int validRows = Math.Min(tileRows, rows - i);
            T* panel = packed + ((nint)i * depth);
            int blockedDepth = block > 0 && i + block <= rows ? depth / block * block : 0;
            for (int p = 0; p < blockedDepth; p += block)
            {
                TOps.TransposeBlock(a.At(i0 + i, p0 + p), a.RowStride, panel + ((nint)p * tileRows), tileRows);
            }

            // The depth left below a block (all of δX's depth of 10): where masks are cheap, masked loads stage it as a
            // block's rows.
            int packedDepth = blockedDepth;
            if (block > 0 && TOps.MasksAreCheap && i + block <= rows && blockedDepth < depth)
            {
                int left = depth - blockedDepth;
                for (int r = 0; r < block; r++) TOps.Store(TOps.LoadMasked(a.At(i0 + i + r, p0 + blockedDepth), left), ref *(staged + (r * block)));
                TOps.TransposeBlock(staged, block, transposed, block);
                for (int q = 0; q < left; q++)
                {
                    TOps.StoreMasked(TOps.Load(in *(transposed + (q * block))), panel + ((nint)(blockedDepth + q) * tileRows), tileRows);
                }

                packedDepth = depth;
            }

            for (int r = 0; r < tileRows; r++)
            {
                T* target = panel + ((nint)packedDepth * tileRows) + r;
                if (r >= validRows)
                {
                    for (int p = packedDepth; p < depth; p++, target += tileRows) *target = T.Zero;
                    continue;
                }

                T* source = a.At(i0 + i + r, p0 + packedDepth);
                nint step = a.ColumnStride;
                for (int p = packedDepth; p < depth; p++, source += step, target += tileRows) *target = *source;
            }
        }
    }

    // Packed B: [depth][panelWidth], columns past the end zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void PackB<TOps, TVector, T>(MatrixView<T> b, int p0, int j0, int depth, int columns, int panelWidth, T* packed)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TOps.Count;
        if (b.ColumnStride == 1 && columns == panelWidth)
        {
            // A full panel row is one or two vectors: copying them beats a memmove call per row.
            T* source = b.At(p0, j0);
            for (int p = 0; p < depth; p++, source += b.RowStride, packed += panelWidth)
            {
                TOps.Store(TOps.Load(in *source), ref *packed);
                if (panelWidth > width) TOps.Store(TOps.Load(in *(source + width)), ref *(packed + width));
            }

            return;
        }

        if (b.ColumnStride == 1)
        {
            // A narrow panel row: masked loads read only its columns and zero the rest, so whole vectors fill the row.
            T* source = b.At(p0, j0);
            int lanes0 = Math.Min(columns, width), lanes1 = columns - width;
            for (int p = 0; p < depth; p++, source += b.RowStride, packed += panelWidth)
            {
                TOps.Store(TOps.LoadMasked(source, lanes0), ref *packed);
                if (panelWidth > width) TOps.Store(lanes1 > 0 ? TOps.LoadMasked(source + width, lanes1) : TOps.Zero, ref *(packed + width));
            }

            return;
        }

        // A transposed view (δX's Wᵀ): whole blocks by shuffles where the variant has them, the rest one by one.
        int block = TOps.HasBlockTranspose && b.RowStride == 1 ? width : 0;
        int blockedColumns = block == 0 ? 0 : columns / block * block;
        int blockedDepth = block == 0 ? 0 : depth / block * block;

        // The depth left below a block (all of it for δX's depth of 10): where masks are cheap, masked loads stage it as
        // a block's rows; elsewhere it is copied one by one below, like the columns past the last block.
        T* staged = stackalloc T[2 * width * width];
        T* transposed = staged + (width * width);
        for (int j = 0; j < blockedColumns; j += block)
        {
            for (int p = 0; p < blockedDepth; p += block)
            {
                TOps.TransposeBlock(b.At(p0 + p, j0 + j), b.ColumnStride, packed + (p * panelWidth) + j, panelWidth);
            }

            if (blockedDepth == depth || !TOps.MasksAreCheap) continue;
            for (int r = 0; r < block; r++) TOps.Store(TOps.LoadMasked(b.At(p0 + blockedDepth, j0 + j + r), depth - blockedDepth), ref *(staged + (r * width)));
            TOps.TransposeBlock(staged, width, transposed, width);
            for (int p = blockedDepth; p < depth; p++)
            {
                TOps.Store(TOps.Load(in *(transposed + ((p - blockedDepth) * width))), ref *(packed + (p * panelWidth) + j));
            }
        }

        for (int j = 0; j < columns; j++)
        {
            T* source = b.At(p0, j0 + j);
            int first = j >= blockedColumns ? 0 : TOps.MasksAreCheap ? depth : blockedDepth;
            for (int p = first; p < depth; p++) packed[(p * panelWidth) + j] = source[p * b.RowStride];
        }

        for (int p = 0; p < depth && columns < panelWidth; p++)
        {
            new Span<T>(packed + (p * panelWidth) + columns, panelWidth - columns).Clear();
        }
    }

    // Tile [Count rows][tilePitch] (its first `rows` rows valid) → a transposed C whose columns are cPitch apart and
    // hold `rows` contiguous elements each: each Count-column block of the tile is transposed into `block`, whose row j
    // is then column j's stretch of C, written by one masked store: nothing outside C's rows × columns is written.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreTransposed<TOps, TVector, T>(T* tile, nint tilePitch, T* c, nint cPitch, T* block, int rows, int columns)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TOps.Count;
        for (int j0 = 0; j0 < columns; j0 += width)
        {
            TOps.TransposeBlock(tile + j0, tilePitch, block, width);
            int count = Math.Min(width, columns - j0);
            for (int j = 0; j < count; j++) TOps.StoreMasked(TOps.Load(in *(block + (j * width))), c + ((j0 + j) * cPitch), rows);
        }
    }

    // The inverse of StoreTransposed, for a tile that starts from C: the tile's lanes past C's rows read as zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadTransposed<TOps, TVector, T>(T* c, nint cPitch, T* tile, nint tilePitch, T* block, int rows, int columns)
        where TOps : IMatMulOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TOps.Count;
        for (int j0 = 0; j0 < columns; j0 += width)
        {
            int count = Math.Min(width, columns - j0);
            for (int j = 0; j < width; j++)
            {
                TOps.Store(j < count ? TOps.LoadMasked(c + ((j0 + j) * cPitch), rows) : TOps.Zero, ref *(block + (j * width)));
            }

            TOps.TransposeBlock(block, width, tile + j0, tilePitch);
        }
    }

    // Between a transposed C (rows 1 apart) and the row-major edge tile: the inner loop walks C's contiguous side.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyTile<T>(T* source, nint sourceRowStride, nint sourceColumnStride,
        T* destination, nint destinationRowStride, nint destinationColumnStride, int rows, int columns)
        where T : unmanaged
    {
        for (int j = 0; j < columns; j++)
        {
            T* from = source + (j * sourceColumnStride), to = destination + (j * destinationColumnStride);
            for (int r = 0; r < rows; r++) to[r * destinationRowStride] = from[r * sourceRowStride];
        }
    }
}
