namespace Backprop.Simd.Data;

/// <summary>
/// A named data set (such as Fashion-MNIST) is not on this machine. The message lists where it looked and says
/// exactly how to install it.
/// </summary>
public sealed class DatasetNotInstalledException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DatasetNotInstalledException() : base("The data set is not installed.") { }

    /// <summary>Creates the exception with a message.</summary>
    public DatasetNotInstalledException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DatasetNotInstalledException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a data set that was looked for in <paramref name="searchedFolders"/>.</summary>
    /// <param name="message">The full one-line message, including the install command.</param>
    /// <param name="searchedFolders">Every folder that was searched, in order.</param>
    public DatasetNotInstalledException(string message, IReadOnlyList<string> searchedFolders) : base(message)
        => SearchedFolders = searchedFolders;

    /// <summary>Every folder that was searched, in order.</summary>
    public IReadOnlyList<string> SearchedFolders { get; } = [];
}
