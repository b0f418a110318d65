using Backprop.Simd.Randomness;

namespace Backprop.Simd.Tests.Training;

/// <summary>Seeded synthetic inputs, labels and targets for tests.</summary>
internal static class TestData
{
    public static T[,] Normal<T>(int rows, int columns, ulong seed, double scale = 1)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Xoshiro256StarStar(seed);
        var values = new T[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) values[r, c] = T.CreateTruncating(scale * random.NextNormal());
        return values;
    }

    public static T[,] Uniform01<T>(int rows, int columns, ulong seed) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Xoshiro256StarStar(seed);
        var values = new T[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) values[r, c] = T.CreateTruncating(random.NextDouble());
        return values;
    }

    public static int[] Labels(int count, int classes, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.NextInt32(classes);
        return labels;
    }
}
