using System.Globalization;
using System.Text;

namespace Backprop.Simd.Data;

/// <summary>
/// Reads numeric CSV files (raw or gzipped) into a <see cref="Dataset"/>: every column but the label column is a
/// feature; labels may be integers or class names. Cells are parsed straight from the UTF-8 bytes: no string is made
/// per cell, only one per class name and header cell. Cells are not quoted, except that quotes around a label or
/// header cell are removed.
/// </summary>
public static class CsvFile
{
    private const int MaxLabelChars = 256;

    /// <summary>Reads one CSV file; its labels define the classes unless <paramref name="classNames"/> is given.</summary>
    /// <param name="path">The file, raw or gzipped.</param>
    /// <param name="options">Separator, header and label column; the defaults suit a comma-separated file whose last
    /// column is the label, with or without a header.</param>
    /// <param name="classNames">The classes to map labels to (e.g. a training file's, when reading its test file);
    /// a label outside them is an error. Null: the classes are the distinct labels of this file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is empty, a cell is not a number, rows are ragged, the label
    /// column does not exist, or a label is unknown or one too many.</exception>
    public static Dataset Read(string path, CsvOptions? options = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] content;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            content = DataFile.Decoding(path, () => DataFile.ReadAll(file, path));
        return Parse(content, path, Path.GetFileName(path), options ?? new CsvOptions(), classNames);
    }

    /// <summary>
    /// Reads a training file and its test file; the test file's labels are mapped to the training file's classes.
    /// </summary>
    /// <param name="trainPath">The training file.</param>
    /// <param name="testPath">The test file, with the same columns.</param>
    /// <param name="options">Options for both files.</param>
    /// <exception cref="DataFormatException">Either file is unreadable, the feature counts differ, or the test file
    /// has a label the training file does not.</exception>
    public static DatasetPair Read(string trainPath, string testPath, CsvOptions? options = null)
    {
        Dataset train = Read(trainPath, options);
        Dataset test = Read(testPath, options, train.ClassNames);
        if (test.FeatureCount != train.FeatureCount)
            throw new DataFormatException(testPath,
                $"has {test.FeatureCount} features but the training file {trainPath} has {train.FeatureCount}.");
        return new DatasetPair(train, test);
    }

    /// <summary>Parses CSV content already in memory; <paramref name="source"/> names it in error messages.</summary>
    internal static Dataset Parse(ReadOnlySpan<byte> content, string source, string name, CsvOptions options,
        IReadOnlyList<string>? classNames)
    {
        if (options.Separator > 127 || options.Separator is '\r' or '\n' or '"')
            throw new ArgumentException($"Separator '{options.Separator}' must be an ASCII character other than a quote or line break.", nameof(options));
        byte separator = (byte)options.Separator;
        if (content.StartsWith("\uFEFF"u8)) content = content[3..];

        var lines = new LineReader(content);
        ReadOnlySpan<byte> first;
        do
        {
            if (!lines.Next(out first)) throw new DataFormatException(source, "the file is empty.");
        }
        while (IsBlank(first));
        int firstLineNumber = lines.LineNumber;
        int columns = first.Count(separator) + 1;
        if (columns < 2)
            throw new DataFormatException(source,
                $"line {firstLineNumber} has 1 column; expected features and a label separated by '{options.Separator}'.");

        int labelColumn;
        bool hasHeader;
        if (options.LabelColumnName is { } labelName)
        {
            if (options.HasHeader == false)
                throw new ArgumentException("LabelColumnName needs a header; HasHeader is false.", nameof(options));
            hasHeader = true;
            labelColumn = FindColumn(first, separator, labelName);
            if (labelColumn < 0)
                throw new DataFormatException(source,
                    $"no column named '{labelName}' in the header: {Encoding.UTF8.GetString(first.TrimEnd("\r"u8))}.");
        }
        else
        {
            labelColumn = options.LabelColumnIndex < 0 ? columns + options.LabelColumnIndex : options.LabelColumnIndex;
            if ((uint)labelColumn >= (uint)columns)
                throw new DataFormatException(source,
                    $"label column index {options.LabelColumnIndex} is out of range for {columns} columns.");
            hasHeader = options.HasHeader ?? !AllFeaturesNumeric(first, separator, labelColumn);
        }

        LineReader dataLines = hasHeader ? lines : new LineReader(content, skipLines: firstLineNumber - 1);
        int rows = CountNonBlankLines(dataLines);
        int featureCount = columns - 1;
        if (options.ImageShape is { } shape && shape.Pixels != featureCount)
            throw new DataFormatException(source,
                $"has {featureCount} features but the image shape {shape.Rows}×{shape.Columns} has {shape.Pixels} pixels.");

        var features = GC.AllocateUninitializedArray<float>(rows * featureCount);
        var labels = new int[rows];
        var classes = classNames is null ? new ClassTable() : new ClassTable(classNames);
        Span<char> labelChars = stackalloc char[MaxLabelChars];
        int row = 0;
        while (dataLines.Next(out ReadOnlySpan<byte> line))
        {
            if (IsBlank(line)) continue;
            int lineNumber = dataLines.LineNumber;
            Span<float> destination = features.AsSpan(row * featureCount, featureCount);
            int column = 0;
            int featureIndex = 0;
            ReadOnlySpan<byte> rest = line;
            while (true)
            {
                int end = rest.IndexOf(separator);
                ReadOnlySpan<byte> cell = end < 0 ? rest : rest[..end];
                if (column >= columns) throw Ragged(source, lineNumber, line, separator, columns);
                if (column == labelColumn)
                {
                    labels[row] = ClassOf(cell, classes, labelChars, source, lineNumber, column, options.MaxClasses);
                }
                else
                {
                    if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
                        || !float.IsFinite(value))
                        throw new DataFormatException(source,
                            $"line {lineNumber}, column {column + 1}: '{Quote(cell)}' is not a finite number.");
                    destination[featureIndex++] = value;
                }
                column++;
                if (end < 0) break;
                rest = rest[(end + 1)..];
            }
            if (column != columns) throw Ragged(source, lineNumber, line, separator, columns);
            row++;
        }
        if (rows == 0) throw new DataFormatException(source, "the file has a header but no data rows.");

        string[] names = classes.Finish(labels);
        return Dataset.FromValidated(name, features, labels, featureCount, names, options.ImageShape);
    }

    private static int ClassOf(ReadOnlySpan<byte> cell, ClassTable classes, Span<char> buffer, string source,
        int lineNumber, int column, int maxClasses)
    {
        ReadOnlySpan<byte> text = Unquote(cell);
        if (text.IsEmpty)
            throw new DataFormatException(source, $"line {lineNumber}, column {column + 1}: the label is empty.");
        if (text.Length > buffer.Length * 3 || Encoding.UTF8.GetCharCount(text) > buffer.Length)
            throw new DataFormatException(source,
                $"line {lineNumber}, column {column + 1}: the label is longer than {buffer.Length} characters.");
        int length = Encoding.UTF8.GetChars(text, buffer);
        int id = classes.GetOrAdd(buffer[..length]);
        if (id < 0)
            throw new DataFormatException(source,
                $"line {lineNumber}, column {column + 1}: class '{Quote(text)}' does not occur in the training data.");
        if (classes.Count > maxClasses)
            throw new DataFormatException(source,
                $"line {lineNumber}, column {column + 1}: more than {maxClasses} distinct labels; is the label column the right one?");
        return id;
    }

    /// <summary>A header cell names the label column when it equals <paramref name="name"/> after trimming and unquoting.</summary>
    private static int FindColumn(ReadOnlySpan<byte> header, byte separator, string name)
    {
        byte[] wanted = Encoding.UTF8.GetBytes(name);
        int column = 0;
        foreach (Range range in header.Split(separator))
        {
            if (Unquote(header[range]).SequenceEqual(wanted)) return column;
            column++;
        }
        return -1;
    }

    private static bool AllFeaturesNumeric(ReadOnlySpan<byte> line, byte separator, int labelColumn)
    {
        int column = 0;
        foreach (Range range in line.Split(separator))
        {
            if (column++ != labelColumn
                && !float.TryParse(line[range], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                return false;
        }
        return true;
    }

    private static int CountNonBlankLines(LineReader lines)
    {
        int count = 0;
        while (lines.Next(out ReadOnlySpan<byte> line)) if (!IsBlank(line)) count++;
        return count;
    }

    private static DataFormatException Ragged(string source, int lineNumber, ReadOnlySpan<byte> line, byte separator,
        int expected) =>
        new(source, $"line {lineNumber} has {line.Count(separator) + 1} columns, expected {expected}.");

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    private static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> cell)
    {
        cell = cell.Trim(" \t\r"u8);
        return cell.Length >= 2 && cell[0] == (byte)'"' && cell[^1] == (byte)'"' ? cell[1..^1] : cell;
    }

    /// <summary>The cell as text for a message, shortened so one bad cell cannot make a huge message.</summary>
    private static string Quote(ReadOnlySpan<byte> cell)
    {
        const int MaxBytes = 40;
        cell = cell.Trim(" \t\r"u8);
        return cell.Length <= MaxBytes ? Encoding.UTF8.GetString(cell) : Encoding.UTF8.GetString(cell[..MaxBytes]) + "…";
    }

    /// <summary>Walks lines ending in \n or \r\n and counts them from 1.</summary>
    private ref struct LineReader
    {
        private ReadOnlySpan<byte> _rest;
        private bool _done;

        public LineReader(ReadOnlySpan<byte> content, int skipLines = 0)
        {
            _rest = content;
            for (int i = 0; i < skipLines; i++) Next(out _);
        }

        public int LineNumber { get; private set; }

        public bool Next(out ReadOnlySpan<byte> line)
        {
            if (_done || (_rest.IsEmpty && LineNumber > 0))
            {
                line = default;
                return false;
            }
            int end = _rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                line = _rest;
                _rest = default;
                _done = true;
            }
            else
            {
                line = _rest[..end];
                _rest = _rest[(end + 1)..];
            }
            if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
            LineNumber++;
            return true;
        }
    }
}
