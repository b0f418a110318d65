using System.Globalization;
using System.Xml.Linq;
using Backprop.Cli;
using Backprop.Cli.Output;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Issue 15, "Plot": the learning curves are a well-formed SVG whose legend, ticks and labels read right.</summary>
public class TrainingPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void The_plot_is_a_well_formed_svg_with_a_loss_and_an_accuracy_panel()
    {
        XElement root = Render(Epochs(10), "validation");
        Assert.Equal(Svg + "svg", root.Name);
        string[] titles = [.. Panels(root).Select(panel => ByClass(panel, "title").Single().Value)];
        Assert.Equal(["digits-train: loss", "digits-train: accuracy"], titles);
        foreach (XElement panel in Panels(root)) Assert.Equal(2, Series(panel).Count());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(1, 10)]
    [InlineData(1, 12)]
    [InlineData(6, 20)]
    [InlineData(1, 37)]
    [InlineData(1, 100)]
    [InlineData(1, 1000)]
    public void Epoch_ticks_are_whole_epochs_within_the_run(int first, int last)
    {
        XElement root = Render(Epochs(last - first + 1, first), "validation");
        foreach (XElement panel in Panels(root))
        {
            string[] labels = [.. ByClass(ByClass(panel, "x-axis").Single(), "tick").Select(tick => tick.Value)];
            Assert.NotEmpty(labels);
            int[] ticks = [.. labels.Select(label =>
                int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) ? epoch
                    : throw new Xunit.Sdk.XunitException("epoch tick '" + label + "' is not a whole number"))];
            Assert.True(ticks.All(tick => tick >= first && tick <= last), "ticks " + string.Join(",", ticks) + " outside " + first + ".." + last);
            Assert.True(ticks.SequenceEqual(ticks.Order().Distinct()), "ticks not ascending: " + string.Join(",", ticks));
            Assert.InRange(ticks.Length, 1, 11);
        }
    }

    [Fact]
    public void The_legend_lies_below_the_plotting_area_and_inside_the_image()
    {
        XElement root = Render(Epochs(10), "validation");
        double height = Number(root, "height");
        foreach (XElement panel in Panels(root))
        {
            XElement area = ByClass(panel, "plot-area").Single();
            double bottom = Number(area, "y") + Number(area, "height");
            XElement legend = ByClass(panel, "legend").Single();
            double[] ys = [.. legend.Descendants().SelectMany(element => new[] { element.Attribute("y"), element.Attribute("y1"), element.Attribute("y2") })
                .Where(attribute => attribute is not null).Select(attribute => double.Parse(attribute!.Value, CultureInfo.InvariantCulture))];
            Assert.Equal(2, legend.Elements(Svg + "text").Count());
            // A text's y is its baseline: its top is about one font size above it.
            Assert.True(ys.Min() - 13 > bottom + 20, "legend at y " + ys.Min() + " reaches the plotting area (bottom " + bottom + ") or its tick labels");
            Assert.True(ys.Max() < height, "legend at y " + ys.Max() + " is below the image (height " + height + ")");
        }
    }

    [Fact]
    public void Every_point_of_every_curve_lies_inside_the_plotting_area()
    {
        XElement root = Render(Epochs(25), "test");
        foreach (XElement panel in Panels(root))
        {
            XElement area = ByClass(panel, "plot-area").Single();
            double left = Number(area, "x"), top = Number(area, "y");
            double right = left + Number(area, "width"), bottom = top + Number(area, "height");
            var points = new List<(double X, double Y)>();
            foreach (XElement line in panel.Descendants(Svg + "polyline"))
                foreach (string pair in line.Attribute("points")!.Value.Split(' '))
                {
                    string[] xy = pair.Split(',');
                    points.Add((double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)));
                }
            foreach (XElement marker in panel.Descendants(Svg + "circle")) points.Add((Number(marker, "cx"), Number(marker, "cy")));
            Assert.Equal(2 * 25 * 2, points.Count);
            foreach ((double x, double y) in points)
                Assert.True(x >= left && x <= right && y >= top && y <= bottom, $"point ({x}, {y}) outside [{left}, {right}] × [{top}, {bottom}]");
        }
    }

    [Theory]
    [InlineData("validation")]
    [InlineData("test")]
    public void Curves_are_labelled_with_the_held_out_set_name_as_the_terminal_says(string heldOut)
    {
        XElement root = Render(Epochs(5), heldOut);
        string[] legend = [.. root.Descendants().Where(e => (string?)e.Attribute("class") == "legend-label").Select(e => e.Value)];
        Assert.Equal(["train loss", heldOut + " loss", "train accuracy", heldOut + " accuracy"], legend);
        string other = heldOut == "test" ? "validation" : "test";
        Assert.DoesNotContain(root.Descendants(Svg + "text"), text => text.Value.Contains(other, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_held_out_set_only_the_training_curves_are_drawn()
    {
        EpochPoint[] epochs = [.. Epochs(6).Select(point => point with { TestLoss = double.NaN, TestAccuracy = double.NaN })];
        XElement root = Render(epochs, "validation");
        foreach (XElement panel in Panels(root))
        {
            Assert.Equal("train", Series(panel).Single().Attribute("data-label")!.Value.Split(' ')[0]);
            Assert.Single(ByClass(panel, "legend-label"));
        }
    }

    [Fact]
    public void A_non_finite_value_leaves_a_gap_and_no_number_that_is_not_finite()
    {
        EpochPoint[] epochs = Epochs(9);
        epochs[4] = epochs[4] with { TrainLoss = double.NaN, TestLoss = double.PositiveInfinity };
        epochs[7] = epochs[7] with { TrainLoss = double.NaN };
        var text = new StringWriter();
        TrainingPlot.Write(text, epochs, "digits-train", "validation");
        XElement loss = Panels(XDocument.Parse(text.ToString()).Root!).First();
        XElement train = Series(loss).First();
        // Epochs 1–4, 6–7 and 9: two lines and a lone point, which keeps its marker.
        Assert.Equal([4, 2], train.Elements(Svg + "polyline").Select(line => line.Attribute("points")!.Value.Split(' ').Length));
        Assert.Equal(7, train.Elements(Svg + "circle").Count());
        Assert.DoesNotContain("NaN", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("∞", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_epoch_and_no_finite_value_still_give_a_well_formed_plot()
    {
        XElement empty = Render([], "validation");
        Assert.All(Panels(empty), panel => Assert.Empty(Series(panel)));
        XElement allNaN = Render([new EpochPoint(1, double.NaN, double.NaN, double.NaN, double.NaN)], "test");
        Assert.All(Panels(allNaN), panel => Assert.Empty(Series(panel)));
    }

    [Fact]
    public void A_data_name_with_markup_control_characters_or_great_length_keeps_the_file_well_formed()
    {
        string name = "<a & \"b\">\u0001\uFFFF\uD800" + new string('x', 200) + "train.csv";
        XElement root = Render(Epochs(3), "test", name);
        string title = ByClass(Panels(root).First(), "title").Single().Value;
        Assert.StartsWith("…", title, StringComparison.Ordinal);
        Assert.EndsWith("train.csv: loss", title, StringComparison.Ordinal);
        Assert.Contains("<a & \"b\">??", Render(Epochs(3), "test", "<a & \"b\">\u0001\uFFFF").Descendants(Svg + "title").Single().Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0123, 1.67)]
    [InlineData(0.91, 0.987)]
    [InlineData(0.5, 0.5)]
    [InlineData(0, 0)]
    [InlineData(1e-9, 3e-9)]
    [InlineData(-1e308, 1.7e308)]
    [InlineData(12_345, 6_789_012)]
    public void Value_axes_cover_the_data_with_round_ticks(double min, double max)
    {
        AxisScale scale = AxisScale.ForValues(min, max);
        Assert.True(scale.Low <= min && scale.High >= max, $"[{scale.Low}, {scale.High}] does not cover [{min}, {max}]");
        Assert.InRange(scale.Ticks.Count, 2, 12);
        Assert.All(scale.Ticks, tick => Assert.True(double.IsFinite(tick) && tick >= scale.Low && tick <= scale.High));
        string[] labels = [.. scale.Ticks.Select(scale.Label)];
        Assert.Equal(labels.Length, labels.Distinct().Count());
        Assert.All(labels, label => Assert.InRange(label.Length, 1, 8));
    }

    [Fact]
    public void A_png_plot_path_is_a_one_line_usage_error_before_training()
    {
        CliRun run = CliRun.Of("train", "--epochs", "1", "--plot", "curves.png").Expect(ExitCode.Usage)
            .ExpectOneLineError("--plot curves.png", ".svg");
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists("curves.png"));
    }

    private static EpochPoint[] Epochs(int count, int first = 1) =>
        [.. Enumerable.Range(first, count).Select(epoch => new EpochPoint(epoch, 2.0 / epoch, 1 - 0.5 / epoch, 2.2 / epoch + 0.05, 1 - 0.6 / epoch))];

    private static XElement Render(IReadOnlyList<EpochPoint> epochs, string heldOut, string name = "digits-train")
    {
        var text = new StringWriter();
        TrainingPlot.Write(text, epochs, name, heldOut);
        return XDocument.Parse(text.ToString()).Root!;
    }

    private static IEnumerable<XElement> Panels(XElement root) => ByClass(root, "panel");

    private static IEnumerable<XElement> Series(XElement panel) => ByClass(panel, "series");

    private static IEnumerable<XElement> ByClass(XElement scope, string kind) =>
        scope.Descendants().Where(element => (string?)element.Attribute("class") == kind);

    private static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);
}
