using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public class MatMulContractTests
{
    [Theory]
    [InlineData(33, 65, 17)]
    [InlineData(1, 256, 784)]
    [InlineData(128, 10, 128)]
    public void Ten_thousand_products_after_warm_up_allocate_nothing(int m, int n, int k)
    {
        var random = new Random(7);
        foreach (MatMulForm form in Enum.GetValues<MatMulForm>())
        {
            var (leftShape, rightShape) = MatMulReference.OperandShapes(form, m, n, k);
            Memory2D<float> left = MatMulCase.StridedMemory<float>(leftShape.Height, leftShape.Width, 1, random);
            Memory2D<float> right = MatMulCase.StridedMemory<float>(rightShape.Height, rightShape.Width, 1, random);
            Memory2D<float> destination = MatMulCase.StridedMemory<float>(m, n, 1, random);
            int calls = m * n * k > 100_000 ? 1_000 : 10_000;
            long allocated = SteadyState.AllocatedBytes(
                call => MatMulReference.RunKernel<float>(form, SimdSupport.Active, left.Span, right.Span, destination.Span, accumulate: call % 2 == 0),
                calls);
            Assert.True(allocated == 0, form + " allocated " + allocated + " bytes over " + calls + " calls");
        }
    }

    [Fact]
    public void Multiply_rejects_mismatched_shapes_naming_the_argument()
    {
        var x = new float[3, 4];
        var w = new float[5, 6];
        var y = new float[3, 6];
        var inner = Assert.Throws<ArgumentException>(() => MatMul.Multiply<float>(x.AsSpan2D(), w.AsSpan2D(), y.AsSpan2D()));
        Assert.Equal("w", inner.ParamName);
        Assert.Contains("[3, 4]", inner.Message, StringComparison.Ordinal);
        Assert.Contains("[5, 6]", inner.Message, StringComparison.Ordinal);

        var output = Assert.Throws<ArgumentException>(() => MatMul.Multiply<float>(x.AsSpan2D(), new float[4, 6].AsSpan2D(), new float[3, 5].AsSpan2D()));
        Assert.Equal("y", output.ParamName);
        Assert.Contains("[3, 6]", output.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transposed_forms_reject_mismatched_shapes_naming_the_argument()
    {
        var b = Assert.Throws<ArgumentException>(() =>
            MatMul.MultiplyTransposedB<float>(new float[3, 4].AsSpan2D(), new float[5, 6].AsSpan2D(), new float[3, 5].AsSpan2D()));
        Assert.Equal("b", b.ParamName);
        var c = Assert.Throws<ArgumentException>(() =>
            MatMul.MultiplyTransposedB<float>(new float[3, 4].AsSpan2D(), new float[5, 4].AsSpan2D(), new float[3, 4].AsSpan2D()));
        Assert.Equal("c", c.ParamName);
        var a = Assert.Throws<ArgumentException>(() =>
            MatMul.MultiplyTransposedA<float>(new float[3, 4].AsSpan2D(), new float[5, 6].AsSpan2D(), new float[4, 6].AsSpan2D()));
        Assert.Equal("b", a.ParamName);
        var ca = Assert.Throws<ArgumentException>(() =>
            MatMul.MultiplyTransposedA<double>(new double[3, 4].AsSpan2D(), new double[3, 6].AsSpan2D(), new double[6, 4].AsSpan2D()));
        Assert.Equal("c", ca.ParamName);
    }

    [Fact]
    public void A_destination_overlapping_a_source_is_rejected()
    {
        var s = new float[8, 8];
        var overlap = Assert.Throws<ArgumentException>(() => MatMul.Multiply<float>(View(s, 0, 0, 4), View(s, 4, 4, 4), View(s, 2, 2, 4)));
        Assert.Equal("y", overlap.ParamName);
        var transposedB = Assert.Throws<ArgumentException>(() => MatMul.MultiplyTransposedB<float>(View(s, 0, 0, 4), View(s, 4, 0, 4), View(s, 4, 2, 4)));
        Assert.Equal("c", transposedB.ParamName);
        Assert.Contains("overlaps", transposedB.Message, StringComparison.Ordinal);
        var transposedA = Assert.Throws<ArgumentException>(() => MatMul.MultiplyTransposedA<float>(View(s, 0, 0, 4), View(s, 4, 0, 4), View(s, 0, 0, 4)));
        Assert.Contains("overlaps", transposedA.Message, StringComparison.Ordinal);
    }

    private static Span2D<float> View(float[,] storage, int row, int column, int size) =>
        storage.AsSpan2D().Slice(row, column, size, size);

    [Fact]
    public void Disjoint_views_of_one_buffer_are_accepted()
    {
        var storage = new float[12, 4];
        var whole = storage.AsSpan2D();
        whole.Slice(0, 0, 4, 4).Fill(1);
        whole.Slice(4, 0, 4, 4).Fill(2);
        MatMul.Multiply<float>(whole.Slice(0, 0, 4, 4), whole.Slice(4, 0, 4, 4), whole.Slice(8, 0, 4, 4));
        Assert.Equal(8f, storage[11, 3]);
    }
}
