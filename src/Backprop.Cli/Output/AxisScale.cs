using System.Globalization;

namespace Backprop.Cli.Output;

/// <summary>
/// One axis of a chart: the value range it spans and its ticks, which fall on 1, 2 or 5 times a power of ten so that
/// the labels read as round numbers (Heckbert's "nice numbers", as most plotting libraries choose them).
/// </summary>
internal sealed class AxisScale
{
    private AxisScale(double low, double high, double[] ticks, string format)
    {
        Low = low;
        High = high;
        Ticks = ticks;
        _format = format;
    }

    private readonly string _format;

    /// <summary>The value at the start of the axis.</summary>
    public double Low { get; }

    /// <summary>The value at the end of the axis.</summary>
    public double High { get; }

    /// <summary>The values that get a tick, a grid line and a label, ascending, all within [Low, High].</summary>
    public IReadOnlyList<double> Ticks { get; }

    /// <summary>A value axis over the finite values in [<paramref name="min"/>, <paramref name="max"/>], widened to whole ticks.</summary>
    /// <remarks>With no finite value (<paramref name="min"/> &gt; <paramref name="max"/>) the axis spans 0 to 1.</remarks>
    public static AxisScale ForValues(double min, double max, int targetTicks = 5)
    {
        if (!(min <= max)) (min, max) = (0, 1);
        if (min == max)
        {
            double pad = min == 0 ? 0.5 : Math.Abs(min) * 0.05;
            (min, max) = (min - pad, max + pad);
        }
        // Divided before subtracting, so that even values near ±double.MaxValue give a finite step.
        double step = NiceStep(max / targetTicks - min / targetTicks);
        double first = Math.Floor(min / step), last = Math.Ceiling(max / step);
        if (!(step > 0) || !double.IsFinite(first * step) || !double.IsFinite(last * step))
            return new AxisScale(min, max, [min, max], "G3");
        var ticks = new double[(int)(last - first) + 1];
        for (int i = 0; i < ticks.Length; i++) ticks[i] = (first + i) * step;
        return new AxisScale(first * step, last * step, ticks, LabelFormat(step, Math.Max(Math.Abs(min), Math.Abs(max))));
    }

    /// <summary>An epoch axis from <paramref name="first"/> to <paramref name="last"/> with whole-number ticks only.</summary>
    public static AxisScale ForEpochs(int first, int last, int targetTicks = 10)
    {
        if (last < first) (first, last) = (1, 1);
        // A little room at both ends keeps the first and last markers off the frame.
        double pad = last == first ? 0.5 : 0.03 * (last - first);
        long step = last == first ? 1 : Math.Max(1, (long)NiceStep((double)(last - first) / targetTicks, atLeast: true));
        var ticks = new List<double>();
        for (long tick = ((long)first + step - 1) / step * step; tick <= last; tick += step) ticks.Add(tick);
        return new AxisScale(first - pad, last + pad, [.. ticks], "0");
    }

    /// <summary>The label of a tick: as many decimals as the step needs, exponent notation for extreme magnitudes.</summary>
    public string Label(double value) => value.ToString(_format, CultureInfo.InvariantCulture);

    /// <summary>Where <paramref name="value"/> falls between <paramref name="start"/> (at Low) and <paramref name="end"/> (at High).</summary>
    public double Map(double value, double start, double end) => start + (value - Low) / (High - Low) * (end - start);

    // The nearest of 1, 2, 5 × 10^k to rough; with atLeast, the smallest not below it (so at most the target count of ticks).
    private static double NiceStep(double rough, bool atLeast = false)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / magnitude;
        double nice = atLeast
            ? fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
            : fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * magnitude;
    }

    private static string LabelFormat(double step, double largest)
    {
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return decimals > 5 || largest >= 1e6 ? "0.##e+0" : "F" + decimals.ToString(CultureInfo.InvariantCulture);
    }
}
