using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

/// <summary>
/// One product checked against <see cref="MatMulReference"/>: random operands in strided views (each row followed by
/// <c>gap</c> padding elements holding NaN, which must be neither read nor written), destination prefilled with NaN
/// when overwriting and with random values when accumulating.
/// </summary>
internal static class MatMulCase
{
    /// <summary>Null when the kernel matches the reference, else a description of the worst element.</summary>
    public static string? Check<T>(MatMulForm form, SimdVariant variant, int m, int n, int k, int gap, bool accumulate, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Check<T>(form, [variant], m, n, k, gap, accumulate, seed);

    /// <summary>Checks several variants on the same operands, computing the (slow) reference once.</summary>
    public static string? Check<T>(MatMulForm form, IReadOnlyList<SimdVariant> variants, int m, int n, int k, int gap, bool accumulate, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var (leftShape, rightShape) = MatMulReference.OperandShapes(form, m, n, k);
        Span2D<T> left = Strided<T>(leftShape.Height, leftShape.Width, gap, random);
        Span2D<T> right = Strided<T>(rightShape.Height, rightShape.Width, gap, random);
        Span2D<T> initial = Strided<T>(m, n, gap, random);
        if (!accumulate) initial.Fill(T.NaN);

        var (expected, scale) = MatMulReference.Product<T>(form, left, right, initial, accumulate);
        foreach (SimdVariant variant in variants)
        {
            Span2D<T> destination = Strided<T>(m, n, gap, random);
            initial.CopyTo(destination);
            MatMulReference.RunKernel<T>(form, variant, left, right, destination, accumulate);
            string? failure = Compare(destination, expected, scale, form, variant, k, gap, accumulate);
            if (failure is not null) return failure;
        }

        return null;
    }

    private static string? Compare<T>(Span2D<T> destination, double[,] expected, double[,] scale, MatMulForm form, SimdVariant variant,
        int k, int gap, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = destination.Height, n = destination.Width;

        double eps = double.CreateChecked(T.BitIncrement(T.One) - T.One);
        double worstRatio = 0;
        string? worst = null;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double actual = double.CreateChecked(destination[i, j]);
                double error = Math.Abs(actual - expected[i, j]);
                double tolerance = (k + 2) * eps * scale[i, j];
                double ratio = double.IsNaN(error) ? double.PositiveInfinity : error / Math.Max(tolerance, double.Epsilon);
                if (ratio > 1 && ratio > worstRatio)
                {
                    worstRatio = ratio;
                    worst = string.Create(CultureInfo.InvariantCulture,
                        $"{form} {variant} {typeof(T).Name} m={m} n={n} k={k} gap={gap} accumulate={accumulate}: " +
                        $"largest difference {error:G4} (tolerance {tolerance:G4}) at [{i}, {j}]: got {actual:G9}, expected {expected[i, j]:G9}");
                }
            }
        }

        return worst ?? CheckPaddingUntouched(destination, gap, form, variant, m, n, k);
    }

    private static string? CheckPaddingUntouched<T>(Span2D<T> destination, int gap, MatMulForm form, SimdVariant variant, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gap == 0 || destination.Height == 0) return null;
        for (int i = 0; i < destination.Height; i++)
        {
            for (int g = 0; g < gap; g++)
            {
                T padding = Unsafe.Add(ref destination.DangerousGetReferenceAt(i, 0), destination.Width + g);
                if (!T.IsNaN(padding))
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"{form} {variant} m={m} n={n} k={k}: padding after row {i} was written");
                }
            }
        }

        return null;
    }

    /// <summary>A [height, width] view whose rows are <paramref name="gap"/> NaN elements apart.</summary>
    public static Span2D<T> Strided<T>(int height, int width, int gap, Random random)
        where T : unmanaged, IFloatingPointIeee754<T> => StridedMemory<T>(height, width, gap, random).Span;

    /// <summary><see cref="Strided"/> as memory, for work that a lambda captures.</summary>
    public static Memory2D<T> StridedMemory<T>(int height, int width, int gap, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var storage = new T[(height * (width + gap)) + gap];
        Array.Fill(storage, T.NaN);
        var memory = new Memory2D<T>(storage, 0, height, width, gap);
        Span2D<T> view = memory.Span;
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++) view[i, j] = T.CreateChecked((random.NextDouble() * 2) - 1);
        }

        return memory;
    }
}
