namespace Backprop.Simd.IO;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder, is flushed to disk, and is
/// then renamed over the target, so a crash at any moment leaves either the old file or the new one.
/// </summary>
/// <remarks>
/// The rename is atomic because source and target share a folder (one file system). A process killed mid-write may
/// leave its uniquely named <c>.tmp</c> file behind, never a broken target; any other failure deletes it.
/// </remarks>
internal static class AtomicFile
{
    internal static void Write(string path, Action<Stream> write, Func<string, Stream>? createTemporary = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string temporary = Path.Combine(folder, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = (createTemporary ?? CreateTemporary)(temporary))
            {
                write(stream);
                if (stream is FileStream file) file.Flush(flushToDisk: true);
                else stream.Flush();
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static FileStream CreateTemporary(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
}
