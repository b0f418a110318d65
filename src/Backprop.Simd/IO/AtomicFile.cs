namespace Backprop.Simd.IO;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder, is flushed to disk, and is
/// then renamed over the target, so a crash at any moment leaves either the old file or the new one.
/// </summary>
/// <remarks>
/// The rename is atomic because source and target share a folder (one file system). A process killed mid-write may
/// leave its uniquely named <c>.tmp</c> file behind, never a broken target; the next successful save of the same target
/// removes such leftovers, and any other failure deletes the file at once.
/// </remarks>
internal static class AtomicFile
{
    // Another saver of the same target may take this saver's temporary for a killed one's leftover in the instant
    // between its close and its rename (nothing holds it open then) and delete it; the rename then finds no file. The
    // save is simply written again: the bytes are the caller's, the target was never touched, and the chance of losing
    // the race again falls geometrically.
    private const int Attempts = 8;

    internal static void Write(string path, Action<Stream> write, Func<string, Stream>? createTemporary = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        for (int attempt = 1; ; attempt++)
        {
            string temporary = Path.Combine(folder, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            bool written = false;
            try
            {
                using (var stream = (createTemporary ?? CreateTemporary)(temporary))
                {
                    write(stream);
                    if (stream is FileStream file) file.Flush(flushToDisk: true);
                    else stream.Flush();
                }
                written = true;
                File.Move(temporary, target, overwrite: true);
            }
            catch (FileNotFoundException) when (written && attempt < Attempts && !File.Exists(temporary))
            {
                continue;
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
            break;
        }
        RemoveStaleTemporaries(folder, Path.GetFileName(target));
    }

    // A temporary file of this target that no process holds open was left by a saver that was killed. Writers hold
    // theirs exclusively (FileShare.None: an advisory flock on Unix, a sharing lock on Windows), so a save running in
    // another process is never disturbed: opening its file fails and it is skipped.
    private static void RemoveStaleTemporaries(string folder, string fileName)
    {
        string prefix = "." + fileName + ".";
        foreach (string candidate in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            if (!IsTemporaryName(Path.GetFileName(candidate), prefix)) continue;
            try
            {
                using (new FileStream(candidate, FileMode.Open, FileAccess.Read, FileShare.None)) { }
                File.Delete(candidate);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    // Exactly prefix + 32 hex digits + ".tmp": a '*' or '?' in the target's own name must not widen the match.
    private static bool IsTemporaryName(string name, string prefix)
    {
        const int GuidDigits = 32;
        if (name.Length != prefix.Length + GuidDigits + 4 || !name.StartsWith(prefix, StringComparison.Ordinal)
            || !name.EndsWith(".tmp", StringComparison.Ordinal)) return false;
        foreach (char c in name.AsSpan(prefix.Length, GuidDigits))
        {
            if (!char.IsAsciiHexDigitLower(c)) return false;
        }
        return true;
    }

    private static FileStream CreateTemporary(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
}
