using System.IO.Compression;

namespace Backprop.Simd.Data;

/// <summary>Opens data files that may be gzipped (recognised by the gzip magic bytes 1F 8B, not by the file name).</summary>
internal static class DataFile
{
    /// <summary>
    /// Deflate cannot compress better than about 1032:1, so a gzip file of n bytes never holds more than this many
    /// times n; a header that declares more is corrupt or hostile and is refused before anything is allocated.
    /// </summary>
    public const long MaxGzipRatio = 1032;

    private const int FileBufferSize = 1 << 16;

    /// <summary>Runs a read, turning the gzip decoder's <see cref="InvalidDataException"/> into a
    /// <see cref="DataFormatException"/> that names the file.</summary>
    public static T Decoding<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "the gzip data is corrupt (" + e.Message + ")", e);
        }
    }

    public static bool IsGzip(ReadOnlySpan<byte> start) => start.Length >= 2 && start[0] == 0x1F && start[1] == 0x8B;

    /// <summary>Opens <paramref name="path"/> for reading its (decompressed) content.</summary>
    /// <param name="path">The file.</param>
    /// <param name="gzip">Whether the file is gzipped.</param>
    /// <param name="fileLength">The length of the file on disk (compressed, when gzipped).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Stream Open(string path, out bool gzip, out long fileLength)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize,
            FileOptions.SequentialScan);
        try
        {
            fileLength = file.Length;
            Span<byte> magic = stackalloc byte[2];
            gzip = ReadFully(file, magic) == 2 && IsGzip(magic);
            file.Position = 0;
            return gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    public static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0) break;
            total += read;
        }
        return total;
    }

    /// <summary>The whole (decompressed) content of a seekable stream; gzip is detected from the first two bytes.</summary>
    /// <param name="stream">A readable, seekable stream positioned at the start of the data.</param>
    /// <param name="sourceName">The file or resource name, for error messages.</param>
    /// <exception cref="DataFormatException">The decompressed content would exceed the largest array .NET allows.</exception>
    public static byte[] ReadAll(Stream stream, string sourceName)
    {
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        bool gzip = ReadFully(stream, magic) == 2 && IsGzip(magic);
        stream.Position = start;
        if (!gzip)
        {
            long length = stream.Length - start;
            if (length > Array.MaxLength) throw TooLarge(sourceName);
            var bytes = GC.AllocateUninitializedArray<byte>((int)length);
            ReadFully(stream, bytes);
            return bytes;
        }

        using var decompressed = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        using var content = new MemoryStream();
        byte[] chunk = new byte[FileBufferSize];
        int read;
        while ((read = decompressed.Read(chunk)) > 0)
        {
            if (content.Length + read > Array.MaxLength) throw TooLarge(sourceName);
            content.Write(chunk, 0, read);
        }
        return content.ToArray();
    }

    private static DataFormatException TooLarge(string sourceName) =>
        new(sourceName, "the content is larger than " + Array.MaxLength + " bytes, the most this reader can hold.");
}
