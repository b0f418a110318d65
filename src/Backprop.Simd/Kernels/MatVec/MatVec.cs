using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// <c>Y = X·W + b</c> for one or a few rows, with W packed once into column panels of four vectors. A panel is
/// <c>[k, P]</c> contiguous, so one row's product streams the weights front to back exactly once with four accumulators
/// that never leave registers, and no blocking, packing of X or horizontal sums as a general matrix product needs.
/// Rows are taken four (AVX-512) or two at a time so that each weight load feeds as many FMAs, and a lone row two panels
/// at a time; every row sums in the same order either way, so a row's result does not depend on the batch it came in.
/// </summary>
internal static class MatVec
{
    public const int VectorsPerPanel = 4;

    /// <summary>The panel width P in elements for <paramref name="variant"/>: four of its vectors.</summary>
    public static int PanelWidth<T>(SimdVariant variant) where T : unmanaged => VectorsPerPanel * variant switch
    {
        SimdVariant.Vector512 => Vector512<T>.Count,
        SimdVariant.Vector256 => Vector256<T>.Count,
        SimdVariant.Vector128 => Vector128<T>.Count,
        _ => 1,
    };

    /// <summary><paramref name="length"/> rounded up to whole panels.</summary>
    public static int Padded(int length, int panelWidth) => Sizes.RoundUp(length, panelWidth);

    // W: [k, n]  →  panels: [⌈n/P⌉, k, P], panel p holding columns p·P … p·P + P − 1 and zeros past n.
    public static void Pack<T>(ReadOnlySpan2D<T> w, int panelWidth, Span<T> panels) where T : unmanaged
    {
        int k = w.Height, n = w.Width;
        Check.Length(Padded(n, panelWidth) * k, "the packed size of w", panels.Length, nameof(panels));
        panels.Clear();
        for (int column = 0, offset = 0; column < n; column += panelWidth, offset += k * panelWidth)
        {
            int count = Math.Min(panelWidth, n - column);
            for (int i = 0; i < k; i++) w.GetRowSpan(i).Slice(column, count).CopyTo(panels.Slice(offset + i * panelWidth, count));
        }
    }

    // X: [rows, k]  panels: [⌈n/P⌉, k, P]  bias: [n']  Y: [rows, n']  with n' = ⌈n/P⌉·P; Y = X·W + b.
    public static void MultiplyAddBias<T>(ReadOnlySpan2D<T> x, ReadOnlySpan<T> panels, ReadOnlySpan<T> bias, Span2D<T> y,
        SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShapes(x, panels.Length, bias, y, variant);
        switch (variant)
        {
            case SimdVariant.Vector512: Run<T, T, Vector512<T>, Vector512Ops<T>, FullWeights<Vector512<T>, T, Vector512Ops<T>>>(x, panels, bias, y); break;
            case SimdVariant.Vector256: Run<T, T, Vector256<T>, Vector256Ops<T>, FullWeights<Vector256<T>, T, Vector256Ops<T>>>(x, panels, bias, y); break;
            case SimdVariant.Vector128: Run<T, T, Vector128<T>, Vector128Ops<T>, FullWeights<Vector128<T>, T, Vector128Ops<T>>>(x, panels, bias, y); break;
            default: Run<T, T, T, ScalarOps<T>, FullWeights<T, T, ScalarOps<T>>>(x, panels, bias, y); break;
        }
    }

    // W: [k, n] float  →  bfloat16 panels [⌈n/P⌉, k, P], each weight rounded to nearest, ties to even. Within a row of a
    // panel, vectors 0 and 1 (and 2 and 3) are interleaved element by element, so that one 32-bit lane holds lane l of
    // both and a load splits into two vectors without shuffles (see BFloat16Weights256).
    public static void PackBFloat16(ReadOnlySpan2D<float> w, int panelWidth, Span<ushort> panels)
    {
        int k = w.Height, n = w.Width, lanes = panelWidth / VectorsPerPanel;
        Check.Length(Padded(n, panelWidth) * k, "the packed size of w", panels.Length, nameof(panels));
        panels.Clear();
        for (int column = 0, offset = 0; column < n; column += panelWidth, offset += k * panelWidth)
        {
            int count = Math.Min(panelWidth, n - column);
            for (int i = 0; i < k; i++)
            {
                ReadOnlySpan<float> source = w.GetRowSpan(i).Slice(column, count);
                Span<ushort> target = panels.Slice(offset + i * panelWidth, panelWidth);
                for (int j = 0; j < count; j++)
                {
                    int vector = j / lanes, lane = j % lanes;
                    target[(vector / 2 * 2 * lanes) + (2 * lane) + (vector % 2)] = BFloat16.Round(source[j]);
                }
            }
        }
    }

    // MultiplyAddBias with bfloat16 panels: each weight widened to float exactly, then the same arithmetic in order.
    public static void MultiplyAddBias<T>(ReadOnlySpan2D<T> x, ReadOnlySpan<ushort> panels, ReadOnlySpan<T> bias, Span2D<T> y,
        SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("bfloat16 weights serve float models only.");
        CheckShapes(x, panels.Length, bias, y, variant);
        switch (variant)
        {
            case SimdVariant.Vector512: Run<T, ushort, Vector512<T>, Vector512Ops<T>, BFloat16Weights512<T>>(x, panels, bias, y); break;
            case SimdVariant.Vector256: Run<T, ushort, Vector256<T>, Vector256Ops<T>, BFloat16Weights256<T>>(x, panels, bias, y); break;
            case SimdVariant.Vector128: Run<T, ushort, Vector128<T>, Vector128Ops<T>, BFloat16Weights128<T>>(x, panels, bias, y); break;
            default: Run<T, ushort, T, ScalarOps<T>, BFloat16WeightsScalar<T>>(x, panels, bias, y); break;
        }
    }

    private static void CheckShapes<T>(ReadOnlySpan2D<T> x, int packedLength, ReadOnlySpan<T> bias, Span2D<T> y, SimdVariant variant)
        where T : unmanaged
    {
        int panelWidth = PanelWidth<T>(variant);
        if (y.Width % panelWidth != 0)
            throw new ArgumentException("y has width " + y.Width + ", not a multiple of the panel width " + panelWidth + ".", nameof(y));
        Check.Length(y.Height, "the height of y", x.Height, nameof(x));
        Check.Length(y.Width, "the width of y", bias.Length, nameof(bias));
        Check.Length(y.Width * x.Width, "the packed size of W", packedLength, "panels");
    }

    // Optimised at first call rather than tiered: a service's first requests are as fast as the rest, and the
    // rounding (FMA or not) never changes when a method is recompiled. Never inlined: tiered PGO once inlined this loop
    // into its tier-1 caller, where the inliner's budget ran out and every multiply-add became a call (13× slower
    // batches after half a second of running).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Run<T, TWeight, TVector, TOps, TWeights>(ReadOnlySpan2D<T> x, ReadOnlySpan<TWeight> panels, ReadOnlySpan<T> bias,
        Span2D<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TWeight : unmanaged where TVector : struct where TOps : IVectorOps<TVector, T>
        where TWeights : IPanelWeights<TVector, TWeight>
    {
        int rows = x.Height, k = x.Width, width = y.Width, panelWidth = VectorsPerPanel * TOps.Count;
        if (rows == 0 || width == 0) return;
        ref TWeight panels0 = ref MemoryMarshal.GetReference(panels);
        ref T b = ref MemoryMarshal.GetReference(bias);
        nint panelLength = (nint)k * panelWidth;
        // Panels outermost: a panel (k·P elements, ~200 KB for W1's first layer) stays in L2 while every group of rows
        // uses it. With 32 vector registers (AVX-512) rows go four at a time, sixteen accumulators, so each weight load
        // feeds four FMAs; with 16 (AVX2 and below) two at a time.
        int quads = Unsafe.SizeOf<TVector>() == 64 ? rows / 4 * 4 : 0;
        int pairs = quads + (rows - quads) / 2 * 2;
        ref TWeight panel = ref panels0;
        for (int column = 0; pairs > 0 && column < width; column += panelWidth)
        {
            int row = 0;
            for (; row < quads; row += 4)
            {
                FourRows<T, TWeight, TVector, TOps, TWeights>(ref XRow(x, row), ref XRow(x, row + 1), ref XRow(x, row + 2),
                    ref XRow(x, row + 3), k, ref panel, ref Unsafe.Add(ref b, column),
                    ref y[row, column], ref y[row + 1, column], ref y[row + 2, column], ref y[row + 3, column]);
            }
            for (; row < pairs; row += 2)
            {
                TwoRows<T, TWeight, TVector, TOps, TWeights>(ref XRow(x, row), ref XRow(x, row + 1), k, ref panel,
                    ref Unsafe.Add(ref b, column), ref y[row, column], ref y[row + 1, column]);
            }
            panel = ref Unsafe.Add(ref panel, panelLength);
        }
        if (pairs == rows) return;
        // A lone row (batch 1, or the last of an odd batch) takes two panels at once: eight independent accumulators
        // hide the multiply-add latency that four leave exposed, and each output still sums in the same order.
        int last = rows - 1, columnPair = 0;
        panel = ref panels0;
        for (; columnPair + 2 * panelWidth <= width; columnPair += 2 * panelWidth)
        {
            OneRowTwoPanels<T, TWeight, TVector, TOps, TWeights>(ref XRow(x, last), k, ref panel, ref Unsafe.Add(ref panel, panelLength),
                ref Unsafe.Add(ref b, columnPair), ref y[last, columnPair]);
            panel = ref Unsafe.Add(ref panel, 2 * panelLength);
        }
        if (columnPair < width)
            OneRow<T, TWeight, TVector, TOps, TWeights>(ref XRow(x, last), k, ref panel, ref Unsafe.Add(ref b, columnPair), ref y[last, columnPair]);
    }

    private static ref T XRow<T>(ReadOnlySpan2D<T> x, int row) =>
        ref x.Width == 0 ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef(in x.DangerousGetReferenceAt(row, 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRow<T, TWeight, TVector, TOps, TWeights>(ref T x, int k, ref TWeight w, ref T bias, ref T y)
        where T : unmanaged, IFloatingPointIeee754<T> where TWeight : unmanaged where TVector : struct where TOps : IVectorOps<TVector, T>
        where TWeights : IPanelWeights<TVector, TWeight>
    {
        nint n = TOps.Count;
        TVector a0 = TOps.Load(in bias), a1 = TOps.Load(in Unsafe.Add(ref bias, n));
        TVector a2 = TOps.Load(in Unsafe.Add(ref bias, 2 * n)), a3 = TOps.Load(in Unsafe.Add(ref bias, 3 * n));
        for (nint i = 0; i < k; i++)
        {
            TVector xi = TOps.Broadcast(Unsafe.Add(ref x, i));
            TWeights.Load(in w, out TVector w0, out TVector w1, out TVector w2, out TVector w3);
            a0 = TOps.MultiplyAdd(xi, w0, a0);
            a1 = TOps.MultiplyAdd(xi, w1, a1);
            a2 = TOps.MultiplyAdd(xi, w2, a2);
            a3 = TOps.MultiplyAdd(xi, w3, a3);
            w = ref Unsafe.Add(ref w, 4 * n);
        }
        StoreFour<T, TVector, TOps>(a0, a1, a2, a3, ref y);
    }

    // Columns c … c + 2P − 1 of one row: panel w holds the first P, panel v the next P (the bias and y run on across both).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRowTwoPanels<T, TWeight, TVector, TOps, TWeights>(ref T x, int k, ref TWeight w, ref TWeight v, ref T bias, ref T y)
        where T : unmanaged, IFloatingPointIeee754<T> where TWeight : unmanaged where TVector : struct where TOps : IVectorOps<TVector, T>
        where TWeights : IPanelWeights<TVector, TWeight>
    {
        nint n = TOps.Count;
        TVector a0 = TOps.Load(in bias), a1 = TOps.Load(in Unsafe.Add(ref bias, n));
        TVector a2 = TOps.Load(in Unsafe.Add(ref bias, 2 * n)), a3 = TOps.Load(in Unsafe.Add(ref bias, 3 * n));
        TVector c0 = TOps.Load(in Unsafe.Add(ref bias, 4 * n)), c1 = TOps.Load(in Unsafe.Add(ref bias, 5 * n));
        TVector c2 = TOps.Load(in Unsafe.Add(ref bias, 6 * n)), c3 = TOps.Load(in Unsafe.Add(ref bias, 7 * n));
        for (nint i = 0; i < k; i++)
        {
            TVector xi = TOps.Broadcast(Unsafe.Add(ref x, i));
            TWeights.Load(in w, out TVector w0, out TVector w1, out TVector w2, out TVector w3);
            TWeights.Load(in v, out TVector v0, out TVector v1, out TVector v2, out TVector v3);
            a0 = TOps.MultiplyAdd(xi, w0, a0);
            c0 = TOps.MultiplyAdd(xi, v0, c0);
            a1 = TOps.MultiplyAdd(xi, w1, a1);
            c1 = TOps.MultiplyAdd(xi, v1, c1);
            a2 = TOps.MultiplyAdd(xi, w2, a2);
            c2 = TOps.MultiplyAdd(xi, v2, c2);
            a3 = TOps.MultiplyAdd(xi, w3, a3);
            c3 = TOps.MultiplyAdd(xi, v3, c3);
            w = ref Unsafe.Add(ref w, 4 * n);
            v = ref Unsafe.Add(ref v, 4 * n);
        }
        StoreFour<T, TVector, TOps>(a0, a1, a2, a3, ref y);
        StoreFour<T, TVector, TOps>(c0, c1, c2, c3, ref Unsafe.Add(ref y, 4 * n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoRows<T, TWeight, TVector, TOps, TWeights>(ref T x0, ref T x1, int k, ref TWeight w, ref T bias, ref T y0,
        ref T y1)
        where T : unmanaged, IFloatingPointIeee754<T> where TWeight : unmanaged where TVector : struct where TOps : IVectorOps<TVector, T>
        where TWeights : IPanelWeights<TVector, TWeight>
    {
        nint n = TOps.Count;
        TVector a0 = TOps.Load(in bias), a1 = TOps.Load(in Unsafe.Add(ref bias, n));
        TVector a2 = TOps.Load(in Unsafe.Add(ref bias, 2 * n)), a3 = TOps.Load(in Unsafe.Add(ref bias, 3 * n));
        TVector c0 = a0, c1 = a1, c2 = a2, c3 = a3;
        for (nint i = 0; i < k; i++)
        {
            TVector xi = TOps.Broadcast(Unsafe.Add(ref x0, i)), zi = TOps.Broadcast(Unsafe.Add(ref x1, i));
            TWeights.Load(in w, out TVector w0, out TVector w1, out TVector w2, out TVector w3);
            a0 = TOps.MultiplyAdd(xi, w0, a0);
            c0 = TOps.MultiplyAdd(zi, w0, c0);
            a1 = TOps.MultiplyAdd(xi, w1, a1);
            c1 = TOps.MultiplyAdd(zi, w1, c1);
            a2 = TOps.MultiplyAdd(xi, w2, a2);
            c2 = TOps.MultiplyAdd(zi, w2, c2);
            a3 = TOps.MultiplyAdd(xi, w3, a3);
            c3 = TOps.MultiplyAdd(zi, w3, c3);
            w = ref Unsafe.Add(ref w, 4 * n);
        }
        StoreFour<T, TVector, TOps>(a0, a1, a2, a3, ref y0);
        StoreFour<T, TVector, TOps>(c0, c1, c2, c3, ref y1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows<T, TWeight, TVector, TOps, TWeights>(ref T x0, ref T x1, ref T x2, ref T x3, int k, ref TWeight w,
        ref T bias, ref T y0, ref T y1, ref T y2, ref T y3)
        where T : unmanaged, IFloatingPointIeee754<T> where TWeight : unmanaged where TVector : struct where TOps : IVectorOps<TVector, T>
        where TWeights : IPanelWeights<TVector, TWeight>
    {
        nint n = TOps.Count;
        TVector a0 = TOps.Load(in bias), a1 = TOps.Load(in Unsafe.Add(ref bias, n));
        TVector a2 = TOps.Load(in Unsafe.Add(ref bias, 2 * n)), a3 = TOps.Load(in Unsafe.Add(ref bias, 3 * n));
        TVector c0 = a0, c1 = a1, c2 = a2, c3 = a3;
        TVector d0 = a0, d1 = a1, d2 = a2, d3 = a3;
        TVector e0 = a0, e1 = a1, e2 = a2, e3 = a3;
        for (nint i = 0; i < k; i++)
        {
            TWeights.Load(in w, out TVector w0, out TVector w1, out TVector w2, out TVector w3);
            TVector xi = TOps.Broadcast(Unsafe.Add(ref x0, i));
            a0 = TOps.MultiplyAdd(xi, w0, a0);
            a1 = TOps.MultiplyAdd(xi, w1, a1);
            a2 = TOps.MultiplyAdd(xi, w2, a2);
            a3 = TOps.MultiplyAdd(xi, w3, a3);
            xi = TOps.Broadcast(Unsafe.Add(ref x1, i));
            c0 = TOps.MultiplyAdd(xi, w0, c0);
            c1 = TOps.MultiplyAdd(xi, w1, c1);
            c2 = TOps.MultiplyAdd(xi, w2, c2);
            c3 = TOps.MultiplyAdd(xi, w3, c3);
            xi = TOps.Broadcast(Unsafe.Add(ref x2, i));
            d0 = TOps.MultiplyAdd(xi, w0, d0);
            d1 = TOps.MultiplyAdd(xi, w1, d1);
            d2 = TOps.MultiplyAdd(xi, w2, d2);
            d3 = TOps.MultiplyAdd(xi, w3, d3);
            xi = TOps.Broadcast(Unsafe.Add(ref x3, i));
            e0 = TOps.MultiplyAdd(xi, w0, e0);
            e1 = TOps.MultiplyAdd(xi, w1, e1);
            e2 = TOps.MultiplyAdd(xi, w2, e2);
            e3 = TOps.MultiplyAdd(xi, w3, e3);
            w = ref Unsafe.Add(ref w, 4 * n);
        }
        StoreFour<T, TVector, TOps>(a0, a1, a2, a3, ref y0);
        StoreFour<T, TVector, TOps>(c0, c1, c2, c3, ref y1);
        StoreFour<T, TVector, TOps>(d0, d1, d2, d3, ref y2);
        StoreFour<T, TVector, TOps>(e0, e1, e2, e3, ref y3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFour<T, TVector, TOps>(TVector v0, TVector v1, TVector v2, TVector v3, ref T y)
        where T : unmanaged, IFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        nint n = TOps.Count;
        TOps.Store(v0, ref y);
        TOps.Store(v1, ref Unsafe.Add(ref y, n));
        TOps.Store(v2, ref Unsafe.Add(ref y, 2 * n));
        TOps.Store(v3, ref Unsafe.Add(ref y, 3 * n));
    }
}
