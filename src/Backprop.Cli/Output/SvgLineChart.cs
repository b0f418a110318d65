using System.Globalization;
using System.Text;
using System.Xml;

namespace Backprop.Cli.Output;

/// <summary>One curve of a chart: its legend label, its points (a non-finite y leaves a gap), and how it is stroked.</summary>
internal sealed record ChartSeries(string Label, IReadOnlyList<(double X, double Y)> Points, string Color, bool Dashed);

/// <summary>
/// Writes one line chart as an SVG group: a framed plotting area with grid lines, tick labels, axis labels, the curves
/// with a marker per point, and the legend in a row below the axis label, outside the plotting area, so that it can
/// never hide a curve. Fixed pixel geometry; the caller places panels side by side.
/// </summary>
internal static class SvgLineChart
{
    /// <summary>The size of one panel, in pixels.</summary>
    public const double Width = 600, Height = 424;
    // The plotting area inside the panel; the margins hold the title (top), tick and axis labels, and the legend (bottom).
    private const double AreaLeft = 76, AreaTop = 44, AreaRight = 584, AreaBottom = 336;
    private const double LegendTop = AreaBottom + 58;
    private const double FontSize = 13, CharacterWidth = 7.4, LegendSample = 28, LegendGap = 26;
    private const int MaxMarkedPoints = 40;

    /// <summary>Writes the panel as a <c>g</c> element shifted right by <paramref name="offsetX"/>.</summary>
    public static void Write(XmlWriter svg, double offsetX, string title, string xLabel, string yLabel, AxisScale x,
        AxisScale y, IReadOnlyList<ChartSeries> series)
    {
        svg.WriteStartElement("g");
        svg.WriteAttributeString("class", "panel");
        svg.WriteAttributeString("transform", "translate(" + Number(offsetX) + ",0)");
        Text(svg, Width / 2, 24, title, "title", "middle", bold: true);
        svg.WriteStartElement("rect");
        svg.WriteAttributeString("class", "plot-area");
        Attributes(svg, ("x", AreaLeft), ("y", AreaTop), ("width", AreaRight - AreaLeft), ("height", AreaBottom - AreaTop));
        svg.WriteAttributeString("fill", "none");
        svg.WriteAttributeString("stroke", "#444");
        svg.WriteEndElement();
        WriteXAxis(svg, x, xLabel);
        WriteYAxis(svg, y, yLabel);
        foreach (ChartSeries curve in series) WriteSeries(svg, curve, x, y);
        WriteLegend(svg, series);
        svg.WriteEndElement();
    }

    /// <summary>The text an XML document can hold: characters XML forbids (control characters) become '?'.</summary>
    public static string XmlText(string text)
    {
        var clean = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) clean.Append(text, i++, 2);
            else clean.Append(XmlConvert.IsXmlChar(text[i]) ? text[i] : '?');
        }
        return clean.ToString();
    }

    private static void WriteXAxis(XmlWriter svg, AxisScale x, string label)
    {
        svg.WriteStartElement("g");
        svg.WriteAttributeString("class", "x-axis");
        foreach (double tick in x.Ticks)
        {
            double px = x.Map(tick, AreaLeft, AreaRight);
            Line(svg, px, AreaTop, px, AreaBottom, "#e4e4e4");
            Line(svg, px, AreaBottom, px, AreaBottom + 5, "#444");
            Text(svg, px, AreaBottom + 19, x.Label(tick), "tick", "middle");
        }
        Text(svg, (AreaLeft + AreaRight) / 2, AreaBottom + 40, label, "axis-label", "middle");
        svg.WriteEndElement();
    }

    private static void WriteYAxis(XmlWriter svg, AxisScale y, string label)
    {
        svg.WriteStartElement("g");
        svg.WriteAttributeString("class", "y-axis");
        foreach (double tick in y.Ticks)
        {
            double py = y.Map(tick, AreaBottom, AreaTop);
            Line(svg, AreaLeft, py, AreaRight, py, "#e4e4e4");
            Line(svg, AreaLeft - 5, py, AreaLeft, py, "#444");
            Text(svg, AreaLeft - 8, py + 4, y.Label(tick), "tick", "end");
        }
        svg.WriteStartElement("text");
        svg.WriteAttributeString("class", "axis-label");
        svg.WriteAttributeString("text-anchor", "middle");
        svg.WriteAttributeString("transform", "translate(18," + Number((AreaTop + AreaBottom) / 2) + ") rotate(-90)");
        svg.WriteString(XmlText(label));
        svg.WriteEndElement();
        svg.WriteEndElement();
    }

    // Consecutive finite points form one polyline; a non-finite value ends it, so a gap shows where values are missing.
    // Markers show each epoch while they fit; a point with no finite neighbour always gets one, as it has no line.
    private static void WriteSeries(XmlWriter svg, ChartSeries series, AxisScale x, AxisScale y)
    {
        svg.WriteStartElement("g");
        svg.WriteAttributeString("class", "series");
        svg.WriteAttributeString("data-label", XmlText(series.Label));
        bool markAll = series.Points.Count <= MaxMarkedPoints;
        var segment = new List<(double X, double Y)>();
        foreach ((double vx, double vy) in series.Points)
        {
            if (double.IsFinite(vx) && double.IsFinite(vy))
            {
                segment.Add((x.Map(vx, AreaLeft, AreaRight), y.Map(vy, AreaBottom, AreaTop)));
                continue;
            }
            WriteSegment(svg, series, segment, markAll);
            segment.Clear();
        }
        WriteSegment(svg, series, segment, markAll);
        svg.WriteEndElement();
    }

    private static void WriteSegment(XmlWriter svg, ChartSeries series, List<(double X, double Y)> points, bool markAll)
    {
        if (points.Count > 1)
        {
            var coordinates = new StringBuilder();
            foreach ((double px, double py) in points)
                coordinates.Append(coordinates.Length == 0 ? "" : " ").Append(Number(px)).Append(',').Append(Number(py));
            svg.WriteStartElement("polyline");
            svg.WriteAttributeString("points", coordinates.ToString());
            Stroke(svg, series);
            svg.WriteEndElement();
        }
        if (!markAll && points.Count != 1) return;
        foreach ((double px, double py) in points)
        {
            svg.WriteStartElement("circle");
            Attributes(svg, ("cx", px), ("cy", py), ("r", 2.5));
            svg.WriteAttributeString("fill", series.Color);
            svg.WriteEndElement();
        }
    }

    private static void WriteLegend(XmlWriter svg, IReadOnlyList<ChartSeries> series)
    {
        svg.WriteStartElement("g");
        svg.WriteAttributeString("class", "legend");
        double left = AreaLeft;
        foreach (ChartSeries entry in series)
        {
            double middle = LegendTop + FontSize / 2;
            svg.WriteStartElement("line");
            Attributes(svg, ("x1", left), ("y1", middle), ("x2", left + LegendSample), ("y2", middle));
            Stroke(svg, entry);
            svg.WriteEndElement();
            Text(svg, left + LegendSample + 6, LegendTop + FontSize - 2, entry.Label, "legend-label", "start");
            left += LegendSample + 6 + entry.Label.Length * CharacterWidth + LegendGap;
        }
        svg.WriteEndElement();
    }

    private static void Stroke(XmlWriter svg, ChartSeries series)
    {
        svg.WriteAttributeString("fill", "none");
        svg.WriteAttributeString("stroke", series.Color);
        svg.WriteAttributeString("stroke-width", "2");
        if (series.Dashed) svg.WriteAttributeString("stroke-dasharray", "7 4");
    }

    private static void Line(XmlWriter svg, double x1, double y1, double x2, double y2, string color)
    {
        svg.WriteStartElement("line");
        Attributes(svg, ("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2));
        svg.WriteAttributeString("stroke", color);
        svg.WriteEndElement();
    }

    private static void Text(XmlWriter svg, double x, double y, string text, string kind, string anchor, bool bold = false)
    {
        svg.WriteStartElement("text");
        svg.WriteAttributeString("class", kind);
        Attributes(svg, ("x", x), ("y", y));
        svg.WriteAttributeString("text-anchor", anchor);
        if (bold) svg.WriteAttributeString("font-weight", "bold");
        svg.WriteString(XmlText(text));
        svg.WriteEndElement();
    }

    private static void Attributes(XmlWriter svg, params ReadOnlySpan<(string Name, double Value)> attributes)
    {
        foreach ((string name, double value) in attributes) svg.WriteAttributeString(name, Number(value));
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
