using System.Globalization;
using System.IO.Compression;

namespace Backprop.Simd.Tests.Training;

/// <summary>
/// The 1,797 8×8 digits (UCI optdigits test set as shipped with scikit-learn) read from the repository's gzip CSV: 64
/// pixels 0..16 then the label per line. Pixels are divided by 16.
/// </summary>
internal static class DigitsFixture
{
    public const int Features = 64, Classes = 10;

    public static (float[,] Pixels, int[] Labels) Load()
    {
        using var file = File.OpenRead(FindFile());
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var rows = new List<int[]>();
        while (reader.ReadLine() is { Length: > 0 } line)
            rows.Add(Array.ConvertAll(line.Split(','), v => int.Parse(v, CultureInfo.InvariantCulture)));

        var pixels = new float[rows.Count, Features];
        var labels = new int[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < Features; c++) pixels[r, c] = rows[r][c] / 16f;
            labels[r] = rows[r][Features];
        }
        return (pixels, labels);
    }

    private static string FindFile()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "src", "Backprop.Simd", "Resources", "digits.csv.gz");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("src/Backprop.Simd/Resources/digits.csv.gz not found above " + AppContext.BaseDirectory);
    }
}
