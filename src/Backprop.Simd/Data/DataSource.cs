namespace Backprop.Simd.Data;

/// <summary>
/// Loads data named the way a user names it on a command line: <c>digits</c>, <c>fashion-mnist</c>, a folder of IDX
/// files, or a CSV file with an optional test CSV.
/// </summary>
public static class DataSource
{
    /// <summary>The name of the embedded digits data set (<see cref="Datasets.Digits"/>).</summary>
    public const string Digits = "digits";

    /// <summary>The name of the installed Fashion-MNIST data set (<see cref="FashionMnist.Load"/>).</summary>
    public const string FashionMnistName = "fashion-mnist";

    /// <summary>
    /// Loads <paramref name="data"/>: <c>digits</c> (no test set), <c>fashion-mnist</c>, a folder holding the four
    /// <see cref="IdxFile.StandardFileNames"/>, or a CSV file (raw or gzipped) whose test set, if any, is
    /// <paramref name="testData"/>. Pixels are scaled into [0, 1]; CSV values are kept as they are.
    /// </summary>
    /// <param name="data"><c>digits</c>, <c>fashion-mnist</c>, an IDX folder or a CSV file.</param>
    /// <param name="testData">A test CSV file; only for CSV data (the other sources carry their own test set or none).</param>
    /// <param name="csvOptions">How to read CSV files.</param>
    /// <returns>The training set and the test set, or a null test set when the source has none.</returns>
    /// <exception cref="ArgumentException"><paramref name="testData"/> is given for a source that is not CSV.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="data"/> names no data set, file or folder.</exception>
    /// <exception cref="DatasetNotInstalledException">Fashion-MNIST is not installed.</exception>
    /// <exception cref="DataFormatException">A file is unreadable.</exception>
    public static LoadedData Load(string data, string? testData = null, CsvOptions? csvOptions = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool isCsv = !Directory.Exists(data) && File.Exists(data);
        if (testData is not null && !isCsv)
            throw new ArgumentException(
                "A separate test file is only read for CSV data; '" + data + "' brings its own test set or none.",
                nameof(testData));

        if (string.Equals(data, Digits, StringComparison.OrdinalIgnoreCase)) return new LoadedData(Datasets.Digits(), null);
        if (string.Equals(data, FashionMnistName, StringComparison.OrdinalIgnoreCase))
            return FromPair(FashionMnist.Load());
        if (Directory.Exists(data)) return FromPair(IdxFile.ReadFolder(data));
        if (isCsv)
            return testData is null
                ? new LoadedData(CsvFile.Read(data, csvOptions), null)
                : FromPair(CsvFile.Read(data, testData, csvOptions));
        throw new FileNotFoundException(
            data + ": no such file or folder; expected " + Digits + ", " + FashionMnistName
            + ", a folder of IDX files or a CSV file.", data);
    }

    private static LoadedData FromPair(DatasetPair pair) => new(pair.Train, pair.Test);
}
