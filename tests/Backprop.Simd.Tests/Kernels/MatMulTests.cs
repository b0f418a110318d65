using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public class MatMulTests
{
    private static readonly int[] s_fixedSizes = [1, 7, 33, 65];

    /// <summary>Every form × every variant; a variant this processor lacks runs emulated (slowly) on fewer sizes.</summary>
    public static TheoryData<MatMulForm, SimdVariant> FormsAndVariants()
    {
        var data = new TheoryData<MatMulForm, SimdVariant>();
        foreach (MatMulForm form in Enum.GetValues<MatMulForm>())
        {
            foreach (SimdVariant variant in Enum.GetValues<SimdVariant>()) data.Add(form, variant);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FormsAndVariants))]
    public void Every_size_from_0_to_67_in_each_dimension_matches_the_double_reference(MatMulForm form, SimdVariant variant)
    {
        bool emulated = !SimdSupport.IsSupported(variant);
        var failures = new List<string>();
        for (int size = 0; size < 68; size += emulated ? 5 : 1)
        {
            for (int f = 0; f < s_fixedSizes.Length; f++)
            {
                // Pairs (1, 7), (7, 33), (33, 65), (65, 1): every fixed size meets every position.
                int other1 = s_fixedSizes[f], other2 = s_fixedSizes[(f + 1) % s_fixedSizes.Length];
                int seed = (size * 31) + f;
                bool accumulate = (size + f) % 2 == 0;
                int gap = (size + f) % 3;
                Collect(failures, MatMulCase.Check<float>(form, variant, size, other1, other2, gap, accumulate, seed));
                Collect(failures, MatMulCase.Check<float>(form, variant, other1, size, other2, gap, !accumulate, seed + 1));
                Collect(failures, MatMulCase.Check<float>(form, variant, other1, other2, size, gap, accumulate, seed + 2));
            }
        }

        AssertNoFailures(failures);
    }

    [Theory]
    [MemberData(nameof(FormsAndVariants))]
    public void Random_sizes_match_the_double_reference_in_float_and_double(MatMulForm form, SimdVariant variant)
    {
        var random = new Random(12345 + (int)form);
        var failures = new List<string>();
        int count = SimdSupport.IsSupported(variant) ? 60 : 12;
        for (int t = 0; t < count; t++)
        {
            int m = random.Next(1, 100), n = random.Next(1, 100), k = random.Next(1, 300);
            int gap = random.Next(0, 4);
            bool accumulate = t % 2 == 0;
            Collect(failures, MatMulCase.Check<float>(form, variant, m, n, k, gap, accumulate, t));
            Collect(failures, MatMulCase.Check<double>(form, variant, m, n, k, gap, !accumulate, t));
        }

        AssertNoFailures(failures);
    }

    /// <summary>
    /// Every C narrower than two 512-bit vectors (the output layer's 10 among them), with row counts on both sides of
    /// the register tiles and depths on both sides of a depth slice, in views with and without row padding, overwriting
    /// and accumulating: the masked edges, the short last row tile that moves up, and the swapped products that write C
    /// transposed.
    /// </summary>
    [Theory]
    [MemberData(nameof(FormsAndVariants))]
    public void Narrow_products_match_the_double_reference_in_strided_views(MatMulForm form, SimdVariant variant)
    {
        bool emulated = !SimdSupport.IsSupported(variant);
        var failures = new List<string>();
        for (int n = 1; n <= 33; n += emulated ? 4 : 1)
        {
            foreach (int m in (int[])[11, 13, 128])
            {
                foreach (int k in (int[])[10, 129])
                {
                    foreach (int gap in (int[])[0, 3])
                    {
                        Collect(failures, MatMulCase.Check<float>(form, variant, m, n, k, gap, accumulate: false, seed: (n * 1000) + m + k));
                        Collect(failures, MatMulCase.Check<float>(form, variant, m, n, k, gap, accumulate: true, seed: (n * 1000) + m + k + 1));
                    }
                }
            }
        }

        AssertNoFailures(failures);
    }

    /// <summary>
    /// The products of a 784-256-128-10 network at batch 128 and batch 1, each form, overwrite and accumulate, every
    /// variant against one reference (a variant this processor lacks runs emulated).
    /// </summary>
    [Theory]
    [InlineData(MatMulForm.Multiply)]
    [InlineData(MatMulForm.TransposedB)]
    [InlineData(MatMulForm.TransposedA)]
    public void Network_shapes_match_the_double_reference(MatMulForm form)
    {
        SimdVariant[] variants = Enum.GetValues<SimdVariant>();
        (int Batch, int Inputs, int Outputs)[] layers = [(128, 784, 256), (128, 256, 128), (128, 128, 10), (1, 784, 256), (1, 128, 10)];
        var failures = new List<string>();
        foreach (var (batch, inputs, outputs) in layers)
        {
            // Forward Y[batch, out] = X·W; input error δX[batch, in] = δY·Wᵀ; weight gradient ∂W[in, out] = Xᵀ·δY.
            var (m, n, k) = form switch
            {
                MatMulForm.Multiply => (batch, outputs, inputs),
                MatMulForm.TransposedB => (batch, inputs, outputs),
                _ => (inputs, outputs, batch),
            };
            foreach (bool accumulate in (bool[])[false, true])
            {
                Collect(failures, MatMulCase.Check<float>(form, variants, m, n, k, gap: accumulate ? 5 : 0, accumulate, seed: m + n + k));
            }
        }

        AssertNoFailures(failures);
    }

    [Fact]
    public void Two_by_two_product_matches_hand_computation()
    {
        float[,] x = { { 1, 2 }, { 3, 4 } };
        float[,] w = { { 5, 6 }, { 7, 8 } };
        var y = new float[2, 2];
        MatMul.Multiply<float>(new ReadOnlySpan2D<float>(x), new ReadOnlySpan2D<float>(w), new Span2D<float>(y));
        Assert.Equal(new float[,] { { 19, 22 }, { 43, 50 } }, y);
    }

    private static void Collect(List<string> failures, string? failure)
    {
        if (failure is not null) failures.Add(failure);
    }

    private static void AssertNoFailures(List<string> failures) =>
        Assert.True(failures.Count == 0, failures.Count + " mismatches; first ones:\n" + string.Join("\n", failures.Take(5)));
}
