namespace Backprop.Cli.Output;

/// <summary>
/// Checks an output file before any work is done, so that a long run never ends in a path that cannot be written: the
/// folder is created if missing (the same for every option that writes a file), the path must not be a folder, and a
/// probe file proves the folder accepts new files.
/// </summary>
internal static class OutputPath
{
    /// <summary>Creates the folder of <paramref name="path"/> and proves a file can be written there.</summary>
    /// <exception cref="IOException">The path is a folder, or its folder cannot be created or written.</exception>
    public static void Prepare(string path, string option)
    {
        string target = Path.GetFullPath(path);
        if (Directory.Exists(target))
            throw new IOException(option + " " + path + ": is a folder, not a file.");
        string folder = Path.GetDirectoryName(target) ?? throw new IOException(option + " " + path + ": has no folder.");
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, "." + Guid.NewGuid().ToString("N") + ".probe");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new IOException(option + " " + path + ": cannot be written (" + exception.Message + ")", exception);
        }
    }
}
