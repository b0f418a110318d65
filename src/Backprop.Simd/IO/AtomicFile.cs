namespace Backprop.Simd.IO;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder, is flushed to disk, and is
/// then renamed over the target, so a crash at any moment leaves either the old file or the new one.
/// </summary>
/// <remarks>
/// The rename is atomic because source and target share a folder (one file system). A process killed mid-write may
/// leave its uniquely named <c>.tmp</c> file behind, never a broken target; the next successful save of the same target
/// removes such leftovers, and any other failure deletes the file at once. Saving over a file keeps what it is: its
/// permissions are kept, a symbolic link is written through (the file it points to is replaced, the link stays), and a
/// target that is not a regular file (a folder, a device, a FIFO) is refused.
/// </remarks>
internal static class AtomicFile
{
    // Another saver of the same target may take this saver's temporary for a killed one's leftover in the instant
    // between its close and its rename (nothing holds it open then) and delete it; the rename then finds no file. The
    // save is simply written again: the bytes are the caller's, the target was never touched, and the chance of losing
    // the race again falls geometrically; a random pause of a few milliseconds keeps two savers that flush to disk in
    // step (their fsyncs finish together) from meeting in the same instant again.
    private const int Attempts = 16;

    internal static void Write(string path, Action<Stream> write, Func<string, Stream>? createTemporary = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = FinalTarget(Path.GetFullPath(path));
        if (!FileKind.IsRegularOrMissing(target))
            throw new IOException($"'{path}' is not a regular file (a folder, a device or a pipe); a model is saved only to a file.");
        string folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        DateTime started = DateTime.UtcNow;
        for (int attempt = 1; ; attempt++)
        {
            string temporary = Path.Combine(folder, TemporaryPrefix(Path.GetFileName(target)) + Guid.NewGuid().ToString("N") + ".tmp");
            bool written = false;
            try
            {
                using (var stream = (createTemporary ?? CreateTemporary)(temporary))
                {
                    KeepMode(target, temporary);
                    write(stream);
                    if (stream is FileStream file) file.Flush(flushToDisk: true);
                    else stream.Flush();
                }
                written = true;
                File.Move(temporary, target, overwrite: true);
            }
            catch (FileNotFoundException) when (written && attempt < Attempts)
            {
                File.Delete(temporary);
                Thread.Sleep(Random.Shared.Next(1, 2 + attempt));
                continue;
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
            break;
        }
        RemoveStaleTemporaries(folder, Path.GetFileName(target), started);
    }

    // Saving through a symbolic link updates the file it points to (and keeps the link), as writing to it would; the
    // temporary file goes beside that file so that the rename stays within one file system.
    private static string FinalTarget(string target)
    {
        var link = new FileInfo(target);
        if (link.LinkTarget is null) return target;
        FileSystemInfo? final = link.ResolveLinkTarget(returnFinalTarget: true);
        return final is null ? target : Path.GetFullPath(final.FullName);
    }

    // The new file gets the old one's permissions: a private model (0600) must not become world-readable by a save.
    private static void KeepMode(string target, string temporary)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(target) || !File.Exists(temporary)) return;
        File.SetUnixFileMode(temporary, File.GetUnixFileMode(target));
    }

    // A temporary file of this target that no process holds open was left by a saver that was killed. Writers hold
    // theirs exclusively (FileShare.None: an advisory flock on Unix, a sharing lock on Windows), so a save running in
    // another process is never disturbed: opening its file fails and it is skipped.
    // Only files last written before this save began count: a killed saver's leftover is older than that, while another
    // saver between its close and its rename wrote its file during this save (file times lag the clock, never lead it).
    private static void RemoveStaleTemporaries(string folder, string fileName, DateTime started)
    {
        string prefix = TemporaryPrefix(fileName);
        foreach (string candidate in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            if (!IsTemporaryName(Path.GetFileName(candidate), prefix)) continue;
            try
            {
                if (File.GetLastWriteTimeUtc(candidate) > started) continue;
                using (new FileStream(candidate, FileMode.Open, FileAccess.Read, FileShare.None)) { }
                File.Delete(candidate);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    // "." + name + "." adds 38 characters with the GUID and ".tmp": a name longer than 217 would give a temporary name
    // beyond the 255 most file systems allow. Such names are cut and keep a hash of the whole name, so two long names
    // with the same start still get their own temporaries.
    private const int MaxNameInPrefix = 200;

    private static string TemporaryPrefix(string fileName)
    {
        if (fileName.Length <= MaxNameInPrefix) return "." + fileName + ".";
        uint hash = System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(fileName));
        return "." + fileName[..(MaxNameInPrefix - 9)] + "~" + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ".";
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
