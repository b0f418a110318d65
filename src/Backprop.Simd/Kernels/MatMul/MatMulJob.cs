using System.Numerics;
using Backprop.Simd.Threading;

namespace Backprop.Simd.Kernels;

/// <summary>
/// One planned product <c>C[m, n] (+)= A[m, k]·B[k, n]</c>, cut into parts along rows or columns of C for a
/// <see cref="WorkerPool"/>, each part followed by the epilogue over its own region of C. Each element's arithmetic
/// (depth slices, FMA order) depends only on k, never on the cut, so every thread count gives bit-identical results.
/// </summary>
internal unsafe struct MatMulJob<TOps, TVector, T, TEpilogue> : IParallelWork
    where TOps : IMatMulOps<TVector, T>
    where TVector : unmanaged
    where T : unmanaged, IFloatingPointIeee754<T>
    where TEpilogue : struct, IProductEpilogue
{
    // Below this many multiply-adds (under ~10 µs on one core) handing work over, and waking a sleeping worker above
    // all, costs more than it saves.
    private const long MinimumParallelWork = 1 << 18;

    private readonly MatrixView<T> _a, _b, _c;
    private readonly int _m, _n, _k;
    private readonly bool _accumulate;
    private readonly bool _singleRow;

    // Set when the product is planned as Cᵀ = Bᵀ·Aᵀ: the epilogue is told regions in the caller's C.
    private readonly bool _transposed;
    private readonly TEpilogue _epilogue;
    private bool _splitColumns;
    private int _unit;
    private int _unitsPerPart;

    public MatMulJob(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int k, bool accumulate, bool transposed,
        in TEpilogue epilogue)
    {
        (_a, _b, _c, _m, _n, _k, _accumulate) = (a, b, c, m, n, k, accumulate);
        (_transposed, _epilogue) = (transposed, epilogue);
        _singleRow = m == 1;
        _splitColumns = true;
        _unit = n;
        _unitsPerPart = 1;
    }

    /// <summary>Cuts the job for <paramref name="threads"/> threads and returns the number of parts.</summary>
    public int Plan(int threads)
    {
        if (threads <= 1 || (long)_m * _n * _k < MinimumParallelWork) return 1;

        int tileRows = TOps.TileRows, panelWidth = 2 * TOps.Count;
        int rowUnits = Sizes.CeilDiv(_m, tileRows), columnUnits = Sizes.CeilDiv(_n, panelWidth);

        // Cutting columns makes every part pack all of A, cutting rows makes every part pack all of B: duplicate the
        // smaller one. A single row is a matrix-vector product and can only be cut by columns.
        _splitColumns = _singleRow || (columnUnits >= threads && (_m <= _n || rowUnits < threads));
        _unit = _singleRow ? MatMulSingleRow.ColumnVectorsPerStep * TOps.Count : _splitColumns ? panelWidth : tileRows;
        int units = _splitColumns ? Sizes.CeilDiv(_n, _unit) : rowUnits;
        int parts = Math.Min(threads, units);
        _unitsPerPart = Sizes.CeilDiv(units, parts);
        return Sizes.CeilDiv(units, _unitsPerPart);
    }

    public readonly void Execute(int part)
    {
        int start = part * _unitsPerPart * _unit;
        int extent = _splitColumns ? _n : _m;
        int count = Math.Min(_unitsPerPart * _unit, extent - start);
        if (_singleRow)
        {
            MatMulSingleRow.Run<TOps, TVector, T>(_a, _b.From(0, start), _c.From(0, start), count, _k, _accumulate);
        }
        else if (_splitColumns)
        {
            MatMulBlocked.Run<TOps, TVector, T>(_a, _b.From(0, start), _c.From(0, start), _m, count, _k, _accumulate);
        }
        else
        {
            MatMulBlocked.Run<TOps, TVector, T>(_a.From(start, 0), _b, _c.From(start, 0), count, _n, _k, _accumulate);
        }

        (int row, int rows, int column, int columns) = _splitColumns ? (0, _m, start, count) : (start, count, 0, _n);
        if (_transposed) _epilogue.Apply(column, columns, row, rows);
        else _epilogue.Apply(row, rows, column, columns);
    }

}
