using System.Globalization;
using System.Text;
using Backprop.Simd.Data;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Small data files in every format the tool reads, written from the embedded digits.</summary>
internal static class CliDataFiles
{
    /// <summary>The first <paramref name="rows"/> digits as CSV: 64 pixel counts 0..16 then the label, with a header.</summary>
    public static string DigitsCsv(TempFolder folder, string name, int start, int rows)
    {
        Dataset digits = Datasets.Digits();
        var text = new StringBuilder();
        for (int c = 0; c < digits.FeatureCount; c++) text.Append("p").Append(c).Append(',');
        text.Append("digit\n");
        for (int row = start; row < start + rows; row++)
        {
            foreach (float pixel in digits.Row(row))
                text.Append((pixel * 16).ToString(CultureInfo.InvariantCulture)).Append(',');
            text.Append(digits.Labels[row]).Append('\n');
        }
        return folder.WriteText(name, text.ToString());
    }

    /// <summary>
    /// A folder with the four standard IDX files holding digits upscaled to bytes (pixel × 15), so the IDX reader's ÷255
    /// gives back roughly the digits' scale; <paramref name="gzip"/> compresses them.
    /// </summary>
    public static string DigitsIdxFolder(TempFolder folder, bool gzip, int trainRows = 1200, int testRows = 400)
    {
        string suffix = gzip ? ".gz" : "";
        WriteIdxPair(folder, "train", 0, trainRows, suffix, gzip);
        WriteIdxPair(folder, "t10k", trainRows, testRows, suffix, gzip);
        return folder.Path;
    }

    public static byte[] DigitImages(int start, int rows)
    {
        Dataset digits = Datasets.Digits();
        var pixels = new byte[rows * 64];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> source = digits.Row(start + row);
            for (int i = 0; i < 64; i++) pixels[row * 64 + i] = (byte)Math.Round(source[i] * 16 * 15);
        }
        return TempFolder.Idx(IdxFile.ImagesMagic, [rows, 8, 8], pixels);
    }

    public static byte[] DigitLabels(int start, int rows)
    {
        Dataset digits = Datasets.Digits();
        var labels = new byte[rows];
        for (int row = 0; row < rows; row++) labels[row] = (byte)digits.Labels[start + row];
        return TempFolder.Idx(IdxFile.LabelsMagic, [rows], labels);
    }

    private static void WriteIdxPair(TempFolder folder, string prefix, int start, int rows, string suffix, bool gzip)
    {
        folder.WriteBytes(prefix + "-images-idx3-ubyte" + suffix, DigitImages(start, rows), gzip);
        folder.WriteBytes(prefix + "-labels-idx1-ubyte" + suffix, DigitLabels(start, rows), gzip);
    }
}
