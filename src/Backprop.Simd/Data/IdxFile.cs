using System.Buffers;
using System.Buffers.Binary;

namespace Backprop.Simd.Data;

/// <summary>
/// Reads the IDX format MNIST and Fashion-MNIST use: a big-endian header (magic number <c>0x0000080N</c> for unsigned
/// bytes in N dimensions, then N 32-bit sizes) followed by the bytes. Files may be raw or gzipped; gzip is detected
/// from the content. Sizes are checked against the file before the one allocation of the result.
/// </summary>
public static class IdxFile
{
    /// <summary>The magic number of an image file: unsigned bytes, 3 dimensions <c>[count, rows, columns]</c>.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of a label file: unsigned bytes, 1 dimension <c>[count]</c>.</summary>
    public const int LabelsMagic = 0x00000801;

    private const int ChunkBytes = 1 << 16;

    /// <summary>
    /// The names MNIST and Fashion-MNIST give their four files (train images, train labels, test images, test
    /// labels), each optionally followed by <c>.gz</c>.
    /// </summary>
    public static IReadOnlyList<string> StandardFileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>
    /// Reads an image file and its label file into one data set; pixels are divided by 255 unless
    /// <paramref name="scalePixels"/> is false.
    /// </summary>
    /// <param name="imagesPath">The <c>idx3-ubyte</c> images file, raw or gzipped.</param>
    /// <param name="labelsPath">The <c>idx1-ubyte</c> labels file, raw or gzipped.</param>
    /// <param name="name">The data set's name; defaults to the images file name.</param>
    /// <param name="classNames">The class names; their count bounds the labels. Defaults to "0" .. the largest label.</param>
    /// <param name="scalePixels">Divide pixels by 255 into [0, 1] (the default) or keep 0..255.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">Wrong magic, truncated file, count mismatch or a label out of range.</exception>
    public static Dataset ReadDataset(string imagesPath, string labelsPath, string? name = null,
        IReadOnlyList<string>? classNames = null, bool scalePixels = true)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        LabelledImages data = ReadLabelledImages(imagesPath, labelsPath, scalePixels);
        string[] names = classNames is null ? Dataset.NumberedClassNames(LargestLabel(data.Labels) + 1) : [.. classNames];
        return data.ToDataset(name ?? Path.GetFileName(imagesPath), names);
    }

    /// <summary>
    /// Reads a folder holding the four <see cref="StandardFileNames"/> (raw or gzipped) as a training and a test set
    /// with the same classes; the two halves are read on two threads.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="name">The name stem of both data sets (<c>-train</c> and <c>-test</c> are appended); defaults to
    /// the folder's name.</param>
    /// <param name="classNames">The class names, or null for "0" .. the largest label of either half.</param>
    /// <param name="scalePixels">Divide pixels by 255 (the default) or keep 0..255.</param>
    /// <exception cref="FileNotFoundException">One of the four files is missing; the message names all four.</exception>
    /// <exception cref="DataFormatException">A file is corrupt.</exception>
    public static DatasetPair ReadFolder(string folder, string? name = null, IReadOnlyList<string>? classNames = null,
        bool scalePixels = true)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string[] paths = FindStandardFiles(folder)
            ?? throw new FileNotFoundException(
                folder + ": expected the IDX files " + string.Join(", ", StandardFileNames) + " (each raw or .gz).", folder);
        string stem = name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));

        var pendingTest = Task.Run(() => ReadLabelledImages(paths[2], paths[3], scalePixels));
        LabelledImages train = ReadLabelledImages(paths[0], paths[1], scalePixels);
        LabelledImages test = pendingTest.GetAwaiter().GetResult();

        string[] names = classNames is null
            ? Dataset.NumberedClassNames(Math.Max(LargestLabel(train.Labels), LargestLabel(test.Labels)) + 1)
            : [.. classNames];
        return new DatasetPair(train.ToDataset(stem + "-train", names), test.ToDataset(stem + "-test", names));
    }

    /// <summary>The paths of the four <see cref="StandardFileNames"/> in <paramref name="folder"/>, each raw or
    /// gzipped, or null when one is missing.</summary>
    internal static string[]? FindStandardFiles(string folder)
    {
        var paths = new string[StandardFileNames.Count];
        for (int i = 0; i < paths.Length; i++)
        {
            string stem = Path.Combine(folder, StandardFileNames[i]);
            if (File.Exists(stem + ".gz")) paths[i] = stem + ".gz";
            else if (File.Exists(stem)) paths[i] = stem;
            else return null;
        }
        return paths;
    }

    private static int LargestLabel(int[] labels) => labels.Length == 0 ? 0 : labels.Max();

    private static LabelledImages ReadLabelledImages(string imagesPath, string labelsPath, bool scalePixels)
    {
        int[] labels = ReadLabels(labelsPath);
        IdxImages images = ReadImages(imagesPath, scalePixels);
        if (images.Count != labels.Length)
            throw new DataFormatException(imagesPath,
                $"holds {images.Count} images but {labelsPath} holds {labels.Length} labels.");
        return new LabelledImages(images, labels, labelsPath);
    }

    /// <summary>An image file and its label file, read and counted but not yet tied to a class table.</summary>
    private sealed record LabelledImages(IdxImages Images, int[] Labels, string LabelsPath)
    {
        public Dataset ToDataset(string name, string[] classNames)
        {
            for (int i = 0; i < Labels.Length; i++)
                if (Labels[i] >= classNames.Length)
                    throw new DataFormatException(LabelsPath,
                        $"label {Labels[i]} of item {i} is out of range: expected 0..{classNames.Length - 1}.");
            return Dataset.FromValidated(name, Images.Pixels, Labels, Images.Shape.Pixels, classNames, Images.Shape);
        }
    }

    /// <summary>Reads an IDX image file (magic <c>0x00000803</c>) into one row-major block of pixels.</summary>
    /// <param name="path">The file, raw or gzipped.</param>
    /// <param name="scalePixels">Divide pixels by 255 into [0, 1] (the default) or keep 0..255.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">Wrong magic, empty or truncated file.</exception>
    public static IdxImages ReadImages(string path, bool scalePixels = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        return DataFile.Decoding(path, () => ReadImagesCore(path, scalePixels));
    }

    private static IdxImages ReadImagesCore(string path, bool scalePixels)
    {
        using Stream stream = OpenAndReadHeader(path, ImagesMagic, "images", out long count, out int rows, out int columns);
        long total = count * rows * columns;
        var pixels = GC.AllocateUninitializedArray<float>((int)total);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long done = 0;
            while (done < total)
            {
                int wanted = (int)Math.Min(ChunkBytes, total - done);
                int read = DataFile.ReadFully(stream, chunk.AsSpan(0, wanted));
                Span<float> destination = pixels.AsSpan((int)done, read);
                PixelConversion.Convert(chunk.AsSpan(0, read), destination, scalePixels ? 255f : 1f);
                done += read;
                if (read < wanted) throw Truncated(path, HeaderBytes(3) + total, HeaderBytes(3) + done);
            }
            EnsureAtEnd(stream, path, HeaderBytes(3) + total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return new IdxImages(pixels, (int)count, new ImageShape(rows, columns));
    }

    /// <summary>Reads an IDX label file (magic <c>0x00000801</c>): one class index 0..255 per item.</summary>
    /// <param name="path">The file, raw or gzipped.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">Wrong magic, empty or truncated file.</exception>
    public static int[] ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return DataFile.Decoding(path, () => ReadLabelsCore(path));
    }

    private static int[] ReadLabelsCore(string path)
    {
        using Stream stream = OpenAndReadHeader(path, LabelsMagic, "labels", out long count, out _, out _);
        var labels = GC.AllocateUninitializedArray<int>((int)count);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int done = 0;
            while (done < labels.Length)
            {
                int wanted = Math.Min(ChunkBytes, labels.Length - done);
                int read = DataFile.ReadFully(stream, chunk.AsSpan(0, wanted));
                for (int i = 0; i < read; i++) labels[done + i] = chunk[i];
                done += read;
                if (read < wanted) throw Truncated(path, HeaderBytes(1) + count, HeaderBytes(1) + done);
            }
            EnsureAtEnd(stream, path, HeaderBytes(1) + count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return labels;
    }

    private static int HeaderBytes(int dimensions) => 4 + 4 * dimensions;

    /// <summary>
    /// Opens the file, checks the magic and the declared sizes against what the file can hold, and leaves the stream at
    /// the first data byte. For a 1-dimensional file <paramref name="rows"/> and <paramref name="columns"/> are 1.
    /// </summary>
    private static Stream OpenAndReadHeader(string path, int magic, string kind, out long count, out int rows,
        out int columns)
    {
        Stream stream = DataFile.Open(path, out bool gzip, out long fileLength);
        try
        {
            if (fileLength == 0) throw new DataFormatException(path, "the file is empty.");
            int dimensions = magic & 0xFF;
            int headerBytes = HeaderBytes(dimensions);
            Span<byte> header = stackalloc byte[headerBytes];
            int read = DataFile.ReadFully(stream, header[..4]);
            if (read == 0) throw new DataFormatException(path, "the file is empty.");
            if (read < 4) throw Truncated(path, headerBytes, read);
            int found = BinaryPrimitives.ReadInt32BigEndian(header);
            if (found != magic)
                throw new DataFormatException(path,
                    $"not an IDX {kind} file: expected magic 0x{magic:X8} (unsigned bytes, {dimensions} dimension{(dimensions == 1 ? "" : "s")}), found 0x{found:X8}.");
            read += DataFile.ReadFully(stream, header[4..]);
            if (read < headerBytes) throw Truncated(path, headerBytes, read);

            long total = 1;
            Span<long> sizes = stackalloc long[3];
            sizes.Fill(1);
            for (int d = 0; d < dimensions; d++)
            {
                sizes[d] = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * d)..]);
                total *= sizes[d]; // three factors below 2^32 each cannot overflow before the check below
                if (total > Array.MaxLength)
                    throw new DataFormatException(path,
                        $"the header declares more than {Array.MaxLength} values, the most this reader can hold.");
            }
            if (dimensions == 3 && (sizes[1] == 0 || sizes[2] == 0))
                throw new DataFormatException(path, $"the header declares {sizes[1]}×{sizes[2]} images.");

            long expected = headerBytes + total;
            if (!gzip && fileLength != expected) throw Truncated(path, expected, fileLength);
            if (gzip && expected > fileLength * DataFile.MaxGzipRatio)
                throw new DataFormatException(path,
                    $"the header declares {expected} bytes but a gzip file of {fileLength} bytes holds at most {fileLength * DataFile.MaxGzipRatio}.");
            count = sizes[0];
            rows = (int)sizes[1];
            columns = (int)sizes[2];
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static void EnsureAtEnd(Stream stream, string path, long expected)
    {
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
            throw new DataFormatException(path,
                $"longer than its header declares: expected {expected} bytes (decompressed), found more.");
    }

    private static DataFormatException Truncated(string path, long expected, long actual) =>
        actual < expected
            ? new(path, $"truncated: expected {expected} bytes, found {actual}.")
            : new(path, $"longer than its header declares: expected {expected} bytes, found {actual}.");
}
