namespace Backprop.Simd.Data;

/// <summary>
/// A data file could not be read: wrong IDX magic, truncated file, image/label count mismatch, a non-numeric or ragged
/// CSV row, an empty file or an unusable label column. The message is one line that names the file.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DataFormatException() : base("The data file is not in the expected format.") { }

    /// <summary>Creates the exception with a message.</summary>
    public DataFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DataFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for <paramref name="path"/>; the message is prefixed with the path.</summary>
    /// <param name="path">The file (or resource) that was being read.</param>
    /// <param name="problem">What is wrong with it, one sentence.</param>
    public DataFormatException(string path, string problem) : base(path + ": " + problem) => Path = path;

    /// <summary>Creates the exception for <paramref name="path"/> with the error that revealed the problem.</summary>
    /// <param name="path">The file (or resource) that was being read.</param>
    /// <param name="problem">What is wrong with it, one sentence.</param>
    /// <param name="innerException">The underlying error, e.g. from the gzip decoder.</param>
    public DataFormatException(string path, string problem, Exception innerException)
        : base(path + ": " + problem, innerException) => Path = path;

    /// <summary>The file (or resource) that was being read, when known.</summary>
    public string? Path { get; }
}
