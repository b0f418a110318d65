using Backprop.Simd.Kernels;
using Backprop.Simd.Randomness;
using Backprop.Simd.Tests.Inference;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Kernels;

public class MatVecTests(ITestOutputHelper output)
{
    public static TheoryData<SimdVariant> Variants() => new(SimdSupport.All);

    // 150 is three 512-bit panels: a pair and a lone one for a lone row.
    private static readonly int[] Widths = [0, 1, 7, 16, 33, 67, 150];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Packed_product_matches_a_double_reference_at_every_small_size(SimdVariant variant)
    {
        var random = new Xoshiro256StarStar(11);
        for (int k = 0; k <= 67; k++)
        {
            foreach (int n in Widths)
            {
                // 1–9 rows: a lone row, pairs, and with AVX-512 groups of four followed by a pair and a lone row.
                for (int rows = 1; rows <= 9; rows++) CheckProduct(variant, random, rows, k, n);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Packed_product_matches_a_double_reference_at_the_W1_shapes(SimdVariant variant)
    {
        var random = new Xoshiro256StarStar(12);
        foreach ((int k, int n) in new[] { (784, 256), (256, 128), (128, 10) })
        {
            CheckProduct(variant, random, 1, k, n);
            CheckProduct(variant, random, 3, k, n);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_row_gives_the_same_bits_alone_and_inside_a_batch(SimdVariant variant)
    {
        const int k = 37, n = 45, rows = 5;
        var random = new Xoshiro256StarStar(13);
        (float[] x, float[] panels, float[] bias, int padded) = Operands(variant, random, rows, k, n, out _);
        var batch = new float[rows * padded];
        MatVec.MultiplyAddBias<float>(x.AsSpan().AsSpan2D(rows, k), panels, bias, batch.AsSpan().AsSpan2D(rows, padded), variant);
        for (int r = 0; r < rows; r++)
        {
            var single = new float[padded];
            MatVec.MultiplyAddBias<float>(x.AsSpan(r * k, k).AsSpan2D(1, k), panels, bias, single.AsSpan().AsSpan2D(1, padded), variant);
            Assert.True(single.AsSpan().SequenceEqual(batch.AsSpan(r * padded, padded)), "row " + r + " differs");
        }
    }

    private void CheckProduct(SimdVariant variant, Xoshiro256StarStar random, int rows, int k, int n)
    {
        (float[] x, float[] panels, float[] bias, int padded) = Operands(variant, random, rows, k, n, out float[] w);
        var y = new float[rows * padded];
        MatVec.MultiplyAddBias<float>(x.AsSpan().AsSpan2D(rows, k), panels, bias, y.AsSpan().AsSpan2D(rows, padded), variant);

        // Each output is a chain of k multiply-adds in float: |error| ≤ γ(2k + 1)·(|b| + Σ|x·w|), u = 2⁻²⁴.
        double worst = 0;
        string where = "";
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < padded; j++)
            {
                double exact = j < n ? bias[j] : 0, magnitude = Math.Abs(exact);
                for (int i = 0; i < k && j < n; i++)
                {
                    exact += (double)x[r * k + i] * w[i * n + j];
                    magnitude += Math.Abs((double)x[r * k + i] * w[i * n + j]);
                }
                double bound = (2 * k + 1) * Math.ScaleB(1, -24) * magnitude;
                double excess = Math.Abs(y[r * padded + j] - exact) - bound;
                if (excess > worst || (excess > 0 && where.Length == 0))
                    (worst, where) = (excess, "[" + r + ", " + j + "] of " + rows + "×" + k + "·" + k + "×" + n + ": got " + y[r * padded + j] + ", exact " + exact + ", bound " + bound);
            }
        }
        if (where.Length > 0) output.WriteLine(variant + " worst excess over the bound " + worst + " at " + where);
        Assert.True(where.Length == 0, variant + ": " + where);
    }

    private static (float[] X, float[] Panels, float[] Bias, int Padded) Operands(SimdVariant variant, Xoshiro256StarStar random,
        int rows, int k, int n, out float[] w)
    {
        int panelWidth = MatVec.PanelWidth<float>(variant), padded = MatVec.Padded(n, panelWidth);
        float[] x = InferenceReference.RandomRow(random, rows * k);
        w = InferenceReference.RandomRow(random, k * n);
        var bias = new float[padded];
        InferenceReference.RandomRow(random, n).CopyTo(bias, 0);
        var panels = new float[padded * k];
        MatVec.Pack<float>(w.AsSpan().AsSpan2D(k, n), panelWidth, panels);
        return (x, panels, bias, padded);
    }
}
