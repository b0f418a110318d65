using ScottPlot;

namespace Backprop.Cli.Output;

/// <summary>Writes the learning curves as a PNG: loss on the left panel, accuracy on the right, train and test per epoch.</summary>
internal static class TrainingPlot
{
    /// <summary>Renders the curves; a null or NaN value (e.g. no test set) leaves that point out.</summary>
    public static void Save(string path, IReadOnlyList<EpochPoint> epochs, string title)
    {
        double[] x = new double[epochs.Count];
        double[] trainLoss = new double[epochs.Count], testLoss = new double[epochs.Count];
        double[] trainAccuracy = new double[epochs.Count], testAccuracy = new double[epochs.Count];
        for (int i = 0; i < epochs.Count; i++)
        {
            x[i] = epochs[i].Epoch;
            trainLoss[i] = epochs[i].TrainLoss;
            testLoss[i] = epochs[i].TestLoss;
            trainAccuracy[i] = epochs[i].TrainAccuracy;
            testAccuracy[i] = epochs[i].TestAccuracy;
        }

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Draw(multiplot.GetPlot(0), x, trainLoss, testLoss, "loss", title);
        Draw(multiplot.GetPlot(1), x, trainAccuracy, testAccuracy, "accuracy", title);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        multiplot.SavePng(path, 1200, 450);
    }

    private static void Draw(Plot plot, double[] x, double[] train, double[] test, string quantity, string title)
    {
        var trainLine = plot.Add.Scatter(x, train);
        trainLine.LegendText = "train " + quantity;
        if (HasValues(test))
        {
            var testLine = plot.Add.Scatter(x, test);
            testLine.LegendText = "test " + quantity;
        }
        plot.Title(title + ": " + quantity);
        plot.XLabel("epoch");
        plot.YLabel(quantity);
        plot.ShowLegend();
    }

    private static bool HasValues(double[] values)
    {
        foreach (double value in values) if (double.IsFinite(value)) return true;
        return false;
    }
}

/// <summary>One epoch's point on the learning curves.</summary>
internal readonly record struct EpochPoint(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy);
