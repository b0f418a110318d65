using System.Globalization;
using System.IO.Compression;
using Backprop.Simd.Data;

namespace Backprop.Cli.Input;

/// <summary>
/// Reads unlabelled inputs for <c>predict</c>: an IDX image file (magic <c>0x00000803</c>, raw or gzipped, pixels ÷255
/// as in training) or a CSV file of numbers with an optional header. A CSV row with one column more than the model's
/// inputs is taken to carry a label, which is dropped (the <c>--label-column</c>, default the last).
/// </summary>
internal static class FeatureFile
{
    /// <summary>The rows read, row-major <c>[Rows, Columns]</c>.</summary>
    public sealed record Features(float[] Values, int Rows, int Columns);

    // A pipe (/dev/stdin, a process substitution) cannot be read twice, and the format is told from its first bytes, so
    // it is copied to a temporary file first — up to this many bytes, so that an endless producer cannot fill the disk.
    private const long MaxPipeBytes = 4L << 30;

    public static Features Read(string path, int inputSize, string? labelColumn)
    {
        if (!File.Exists(path)) throw new FileNotFoundException(path + ": no such file.", path);
        string? copy = CopyIfPipe(path);
        try { return ReadSeekable(copy ?? path, path, inputSize, labelColumn); }
        finally { if (copy is not null) File.Delete(copy); }
    }

    private static string? CopyIfPipe(string path)
    {
        using (var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
        {
            if (probe.CanSeek) return null;
            string copy = Path.Combine(Path.GetTempPath(), "backprop-input-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                var buffer = new byte[1 << 16];
                long total = 0;
                int read;
                while ((read = probe.Read(buffer)) > 0)
                {
                    total += read;
                    if (total > MaxPipeBytes)
                        throw new DataFormatException(path, "more than " + (MaxPipeBytes >> 30) + " GiB of input; give a file instead.");
                    target.Write(buffer, 0, read);
                }
            }
            catch
            {
                File.Delete(copy);
                throw;
            }
            return copy;
        }
    }

    private static Features ReadSeekable(string path, string shownPath, int inputSize, string? labelColumn)
    {
        try { return ReadFile(path, inputSize, labelColumn); }
        catch (DataFormatException e) when (path != shownPath)
        {
            throw new DataFormatException(e.Message.Replace(path, shownPath, StringComparison.Ordinal), e);
        }
    }

    private static Features ReadFile(string path, int inputSize, string? labelColumn)
    {
        if (IsIdxImages(path))
        {
            IdxImages images = IdxFile.ReadImages(path);
            return new Features(images.Pixels, images.Count, images.Shape.Pixels);
        }
        return ReadCsv(path, inputSize, labelColumn);
    }

    private static bool IsIdxImages(string path)
    {
        using Stream file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[4];
        int read = file.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        if (read >= 2 && start[0] == 0x1F && start[1] == 0x8B)
        {
            file.Position = 0;
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            try { read = gzip.ReadAtLeast(start, 4, throwOnEndOfStream: false); }
            catch (InvalidDataException) { return false; }
        }
        return read == 4 && start[0] == 0 && start[1] == 0 && start[2] == 8 && start[3] == 3;
    }

    private static Features ReadCsv(string path, int inputSize, string? labelColumn)
    {
        var values = new List<float>();
        int columns = -1, rows = 0, lineNumber = 0, skip = -1;
        using TextReader reader = OpenText(path);
        // Rows are read with a bound, so that a file without line breaks (/dev/zero) fails instead of growing forever.
        int maxLine = (int)Math.Min(int.MaxValue / 2, Math.Max(1 << 20, 64L * inputSize));
        var buffer = new System.Text.StringBuilder();
        while (ReadLine(reader, buffer, maxLine, path, lineNumber + 1) is { } line)
        {
            lineNumber++;
            if (line.AsSpan().Trim().IsEmpty) continue;
            string[] cells = line.Split(',');
            if (columns < 0)
            {
                columns = cells.Length;
                bool header = !IsNumber(cells[0]) || (cells.Length > 1 && !IsNumber(cells[^1]));
                skip = SkippedColumn(path, columns, inputSize, labelColumn, header ? cells : null);
                if (header) continue;
            }
            if (cells.Length != columns)
                throw new DataFormatException(path, "line " + lineNumber + " has " + cells.Length + " columns; the first row has "
                    + columns + ".");
            for (int c = 0; c < cells.Length; c++)
            {
                if (c == skip) continue;
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new DataFormatException(path, "line " + lineNumber + ", column " + (c + 1) + ": '" + cells[c].Trim()
                        + "' is not a number.");
                if (!float.IsFinite(value))
                    throw new DataFormatException(path, "line " + lineNumber + ", column " + (c + 1) + ": '" + cells[c].Trim()
                        + "' is not a finite number.");
                values.Add(value);
            }
            rows++;
        }
        if (rows == 0) throw new DataFormatException(path, "no data rows.");
        return new Features([.. values], rows, values.Count / rows);
    }

    private static string? ReadLine(TextReader reader, System.Text.StringBuilder buffer, int maxLength, string path, int lineNumber)
    {
        buffer.Clear();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') return buffer.ToString();
            if (c == '\r')
            {
                if (reader.Peek() == '\n') reader.Read();
                return buffer.ToString();
            }
            if (buffer.Length == maxLength)
                throw new DataFormatException(path, "line " + lineNumber + " is longer than " + maxLength + " characters.");
            buffer.Append((char)c);
        }
        return buffer.Length > 0 ? buffer.ToString() : null;
    }

    private static int SkippedColumn(string path, int columns, int inputSize, string? labelColumn, string[]? header)
    {
        if (columns == inputSize) return -1;
        if (columns != inputSize + 1)
            throw new DataFormatException(path, "rows have " + columns + " columns but the model takes " + inputSize
                + " features (or " + (inputSize + 1) + " with a label column).");
        if (labelColumn is null) return columns - 1;
        if (int.TryParse(labelColumn, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index))
            return index < 0 ? columns + index : index;
        int named = header is null ? -1 : Array.FindIndex(header, cell => cell.Trim() == labelColumn);
        return named >= 0 ? named
            : throw new DataFormatException(path, "no column named '" + labelColumn + "' in the header.");
    }

    private static bool IsNumber(string cell) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static StreamReader OpenText(string path)
    {
        Stream file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[2];
        int read = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = read == 2 && start[0] == 0x1F && start[1] == 0x8B;
        return new StreamReader(gzip ? new GZipStream(file, CompressionMode.Decompress) : file);
    }
}
