using System.Globalization;
using System.Text;
using System.Xml;

namespace Backprop.Cli.Output;

/// <summary>
/// Writes the learning curves as an SVG image: loss on the left panel, accuracy on the right, the training set and the
/// held-out set per epoch. SVG, written here, rather than a PNG from a plotting library: that library brought 155 MB
/// of native renderers for every platform into the tool, and any browser shows an SVG.
/// </summary>
internal static class TrainingPlot
{
    /// <summary>The one file extension <c>--plot</c> accepts.</summary>
    public const string Extension = ".svg";

    private const string TrainColor = "#1f77b4", HeldOutColor = "#e6550d";
    private const int MaxTitleName = 60;

    /// <summary>True when <paramref name="path"/> names an SVG file (by its extension, in any case).</summary>
    public static bool IsSvgPath(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes the plot to <paramref name="path"/>; see <see cref="Write"/>.</summary>
    public static void Save(string path, IReadOnlyList<EpochPoint> epochs, string dataName, string heldOutName)
    {
        using var file = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(file, epochs, dataName, heldOutName);
    }

    /// <summary>
    /// Renders the curves, labelled with <paramref name="heldOutName"/> (<c>validation</c> or <c>test</c>) as the
    /// terminal labels them. A non-finite value (no held-out set, a NaN loss) leaves that point out; a curve with no
    /// finite point is left out, legend entry included.
    /// </summary>
    public static void Write(TextWriter output, IReadOnlyList<EpochPoint> epochs, string dataName, string heldOutName)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = output.Encoding, CloseOutput = false };
        using XmlWriter svg = XmlWriter.Create(output, settings);
        svg.WriteStartDocument();
        svg.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        string width = (2 * SvgLineChart.Width).ToString(CultureInfo.InvariantCulture);
        string height = SvgLineChart.Height.ToString(CultureInfo.InvariantCulture);
        svg.WriteAttributeString("width", width);
        svg.WriteAttributeString("height", height);
        svg.WriteAttributeString("viewBox", "0 0 " + width + " " + height);
        svg.WriteAttributeString("font-family", "DejaVu Sans, Arial, Helvetica, sans-serif");
        svg.WriteAttributeString("font-size", "13");
        string name = ShortName(dataName);
        svg.WriteElementString("title", SvgLineChart.XmlText(name + ": learning curves"));
        svg.WriteStartElement("rect");
        svg.WriteAttributeString("width", "100%");
        svg.WriteAttributeString("height", "100%");
        svg.WriteAttributeString("fill", "white");
        svg.WriteEndElement();

        AxisScale x = epochs.Count == 0 ? AxisScale.ForEpochs(1, 1) : AxisScale.ForEpochs(epochs[0].Epoch, epochs[^1].Epoch);
        WritePanel(svg, 0, name, "loss", heldOutName, x, epochs, point => point.TrainLoss, point => point.TestLoss);
        WritePanel(svg, SvgLineChart.Width, name, "accuracy", heldOutName, x, epochs,
            point => point.TrainAccuracy, point => point.TestAccuracy);
        svg.WriteEndElement();
        svg.WriteEndDocument();
    }

    private static void WritePanel(XmlWriter svg, double offsetX, string name, string quantity, string heldOutName,
        AxisScale x, IReadOnlyList<EpochPoint> epochs, Func<EpochPoint, double> train, Func<EpochPoint, double> heldOut)
    {
        var series = new List<ChartSeries>();
        var range = (Min: double.PositiveInfinity, Max: double.NegativeInfinity);
        AddSeries(series, ref range, "train " + quantity, epochs, train, TrainColor, dashed: false);
        AddSeries(series, ref range, heldOutName + " " + quantity, epochs, heldOut, HeldOutColor, dashed: true);
        SvgLineChart.Write(svg, offsetX, name + ": " + quantity, "epoch", quantity, x, AxisScale.ForValues(range.Min, range.Max), series);
    }

    private static void AddSeries(List<ChartSeries> series, ref (double Min, double Max) range, string label,
        IReadOnlyList<EpochPoint> epochs, Func<EpochPoint, double> value, string color, bool dashed)
    {
        var points = new (double X, double Y)[epochs.Count];
        bool any = false;
        for (int i = 0; i < epochs.Count; i++)
        {
            double y = value(epochs[i]);
            points[i] = (epochs[i].Epoch, y);
            if (!double.IsFinite(y)) continue;
            any = true;
            range = (Math.Min(range.Min, y), Math.Max(range.Max, y));
        }
        if (any) series.Add(new ChartSeries(label, points, color, dashed));
    }

    // A data set named by a long path keeps its end, the file name, which tells runs apart.
    private static string ShortName(string name) =>
        name.Length <= MaxTitleName ? name : string.Concat("…", name.AsSpan(name.Length - MaxTitleName + 1));
}

/// <summary>One epoch's point on the learning curves.</summary>
internal readonly record struct EpochPoint(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy);
