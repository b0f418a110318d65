using System.Globalization;
using System.Numerics;

namespace Backprop.Simd.Tests.Kernels;

/// <summary>
/// Compares kernel results with the double reference. The allowed error is a few epsilons of the kernel's type scaled
/// by the size of the answer plus its sensitivity |x·f'(x)| to the rounding of the input: the error any correctly
/// rounded evaluation at that input would have; below the normal range, a few steps of the smallest normal number. Failures name the worst element and its difference.
/// </summary>
public sealed class Agreement<T> where T : IFloatingPointIeee754<T>
{
    private const double Ulps = 32;
    private static readonly double Epsilon = typeof(T) == typeof(float) ? 1.1920929e-7 : 2.220446049250313e-16;
    private static readonly double Floor = typeof(T) == typeof(float) ? 1.1754944e-38 : 2.2250738585072014e-308;
    private double worstRatio;
    private string worst = "";

    public void Check(double expected, T actual, double sensitivity, string where)
    {
        double got = double.CreateTruncating(actual);
        if (double.IsNaN(expected) || double.IsInfinity(expected) || double.IsNaN(got) || double.IsInfinity(got))
        {
            if (!expected.Equals(got)) Record(double.PositiveInfinity, expected, got, where);
            return;
        }
        double tolerance = Ulps * (Epsilon * (Math.Abs(expected) + Math.Abs(sensitivity)) + Floor);
        double ratio = Math.Abs(got - expected) / tolerance;
        if (ratio > 1) Record(ratio, expected, got, where);
    }

    private void Record(double ratio, double expected, double got, string where)
    {
        if (ratio <= worstRatio) return;
        worstRatio = ratio;
        worst = string.Create(CultureInfo.InvariantCulture,
            $"{where}: expected {expected:R}, got {got:R}, difference {Math.Abs(got - expected):R} ({ratio:G3}× tolerance)");
    }

    public void Verify() => Assert.True(worstRatio == 0, "Largest difference at " + worst);
}
