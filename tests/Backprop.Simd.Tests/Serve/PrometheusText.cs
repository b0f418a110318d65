using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Simd.Tests.Serve;

/// <summary>
/// A strict reader of the Prometheus text format (0.0.4) for tests: every line is a <c># HELP</c>, a <c># TYPE</c>
/// naming a family not seen before, or a sample of the family last typed; samples by their full series name (a bare
/// name for an unlabelled sample).
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
            Assert.True(type switch
            {
                "counter" => name == family && name.EndsWith("_total", StringComparison.Ordinal),
                "gauge" => name == family,
                _ => name == family + "_bucket" || name == family + "_sum" || name == family + "_count",
            }, name + " is not a sample of the " + type + " " + family);
            // An unlabelled sample is keyed by its bare name.
            string series = sample.Groups[2].Success ? name + "{" + sample.Groups[2].Value + "}" : name;
            Assert.True(samples.TryAdd(series, double.Parse(sample.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture)),
                series + " appears twice");
        }
        return samples;
    }

    /// <summary>Checks that the histogram's buckets for <paramref name="labels"/>, by bound, never decrease and that +Inf equals _count.</summary>
    public static void AssertCumulative(Dictionary<string, double> samples, string family, string labels)
    {
        string prefix = family + "_bucket{" + labels + ",le=\"";
        var buckets = new List<(double Bound, double Count)>();
        foreach ((string series, double count) in samples)
        {
            if (!series.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string le = series[prefix.Length..^2];
            buckets.Add((le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture), count));
        }
        buckets.Sort();
        Assert.True(buckets.Count > 1, "no buckets for " + family + "{" + labels + "}");
        for (int i = 1; i < buckets.Count; i++)
            Assert.True(buckets[i].Count >= buckets[i - 1].Count,
                family + " le=" + buckets[i].Bound + " counts " + buckets[i].Count + ", below le=" + buckets[i - 1].Bound + "'s " + buckets[i - 1].Count);
        Assert.Equal(double.PositiveInfinity, buckets[^1].Bound);
        Assert.Equal(samples[family + "_count{" + labels + "}"], buckets[^1].Count);
    }

    [GeneratedRegex("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\\\\n]*\",?)*)\\})? (\\S+)$")]
    private static partial Regex SampleLine();
}
