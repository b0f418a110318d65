using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class PixelConversionTests
{
    [Theory]
    [InlineData(255f)]
    [InlineData(1f)]
    public void Conversion_equals_scalar_division_for_every_byte_value_and_every_length_up_to_67(float divisor)
    {
        var source = new byte[256 + 67];
        for (int i = 0; i < source.Length; i++) source[i] = (byte)(i * 7 + 3);
        source[0] = 0;
        source[1] = 255;
        for (int length = 0; length <= source.Length; length = length < 67 ? length + 1 : length + 64)
        {
            var destination = new float[length + 1];
            destination[length] = -1;

            PixelConversion.Convert(source.AsSpan(0, length), destination.AsSpan(0, length), divisor);

            for (int i = 0; i < length; i++)
                Assert.True(destination[i] == source[i] / divisor,
                    $"length {length}, index {i}: {destination[i]} != {source[i]} / {divisor}");
            Assert.Equal(-1, destination[length]);
        }
    }
}
