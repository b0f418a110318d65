using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public class MatMulSmokeTests
{
    [Fact]
    public void Two_by_two_product_matches_hand_computation()
    {
        float[,] x = { { 1, 2 }, { 3, 4 } };
        float[,] w = { { 5, 6 }, { 7, 8 } };
        var y = new float[2, 2];
        MatMul.Multiply<float>(new ReadOnlySpan2D<float>(x), new ReadOnlySpan2D<float>(w), new Span2D<float>(y));
        Assert.Equal(new float[,] { { 19, 22 }, { 43, 50 } }, y);
    }
}
