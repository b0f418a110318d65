using System.CommandLine;
using System.Globalization;
using Backprop.Simd.Data;

namespace Backprop.Cli.Options;

/// <summary>The options that name a data set (<c>--data</c>, <c>--test-data</c>, <c>--label-column</c>) and load it.</summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = "digits (embedded), fashion-mnist (installed), a folder of IDX files, or a CSV file.",
        DefaultValueFactory = _ => DataSource.Digits,
    };

    public Option<string?> TestData { get; } = new("--test-data")
    {
        Description = "A test CSV file (CSV data only; the other sources bring their own test set or none).",
    };

    public Option<string?> LabelColumn { get; } = new("--label-column")
    {
        Description = "The CSV label column, by header name or 0-based index; negative counts from the end (default: last).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(TestData);
        command.Options.Add(LabelColumn);
    }

    /// <summary>Loads the named data; file and format problems surface as the library's exceptions.</summary>
    public LoadedData Load(ParseResult parsed)
    {
        string data = parsed.GetValue(Data)!;
        string? testData = parsed.GetValue(TestData);
        if (testData is not null && !File.Exists(data))
        {
            // A missing training file is the problem to report, not the --test-data that goes with it.
            if (!Directory.Exists(data) && !IsNamedDataSet(data))
                throw new FileNotFoundException(data + ": no such file or folder.", data);
            throw new UsageException("--test-data is only read for CSV data; '" + data + "' brings its own test set or none.");
        }
        return DataSource.Load(data, testData, CsvOptionsFor(parsed.GetValue(LabelColumn)));
    }

    private static bool IsNamedDataSet(string data) =>
        string.Equals(data, DataSource.Digits, StringComparison.OrdinalIgnoreCase)
        || string.Equals(data, DataSource.FashionMnistName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The CSV options for a <c>--label-column</c> value: an integer is an index, anything else a header name.</summary>
    public static CsvOptions CsvOptionsFor(string? labelColumn)
    {
        if (labelColumn is null) return new CsvOptions();
        return int.TryParse(labelColumn, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index)
            ? new CsvOptions { LabelColumnIndex = index }
            : new CsvOptions { LabelColumnName = labelColumn };
    }
}
