using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Simd.Tests.Serve;

/// <summary>
/// A strict reader of the Prometheus text format (0.0.4) for tests: every line is a <c># HELP</c>, a <c># TYPE</c>
/// naming a family not seen before, or a sample of the family last typed; samples by their full series name.
/// </summary>
internal static partial class PrometheusText
{
    public static Dictionary<string, double> Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var families = new HashSet<string>(StringComparer.Ordinal);
        string? family = null, type = null;
        foreach (string line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
            Match typed = TypeLine().Match(line);
            if (typed.Success)
            {
                family = typed.Groups[1].Value;
                type = typed.Groups[2].Value;
                Assert.True(families.Add(family), "family " + family + " typed twice");
                continue;
            }
            Match sample = SampleLine().Match(line);
            Assert.True(sample.Success, "not a sample line: \"" + line + "\"");
            string name = sample.Groups[1].Value;
            Assert.NotNull(family);
            Assert.True(type == "counter" ? name == family && name.EndsWith("_total", StringComparison.Ordinal)
                : name is var n && (n == family + "_bucket" || n == family + "_sum" || n == family + "_count"),
                name + " is not a sample of the " + type + " " + family);
            string series = name + "{" + sample.Groups[2].Value + "}";
            Assert.True(samples.TryAdd(series, double.Parse(sample.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture)),
                series + " appears twice");
        }
        return samples;
    }

    /// <summary>Checks that the histogram's buckets for <paramref name="labels"/> never decrease and that +Inf equals _count.</summary>
    public static void AssertCumulative(Dictionary<string, double> samples, string family, string labels)
    {
        double previous = 0, previousBound = double.NegativeInfinity;
        int buckets = 0;
        foreach ((string series, double count) in samples)
        {
            if (!series.StartsWith(family + "_bucket{" + labels + ",le=\"", StringComparison.Ordinal)) continue;
            string le = series[(family.Length + labels.Length + 13)..^2];
            double bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.True(bound > previousBound, series + ": the bounds do not ascend");
            Assert.True(count >= previous, series + " = " + count + " is below the bucket before it, " + previous);
            previous = count;
            previousBound = bound;
            buckets++;
        }
        Assert.True(buckets > 1, "no buckets for " + family + "{" + labels + "}");
        Assert.Equal(double.PositiveInfinity, previousBound);
        Assert.Equal(samples[family + "_count{" + labels + "}"], previous);
    }

    [GeneratedRegex("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\\\\n]*\",?)*)\\} (\\S+)$")]
    private static partial Regex SampleLine();
}
