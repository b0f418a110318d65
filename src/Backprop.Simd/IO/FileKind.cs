using System.Runtime.InteropServices;

namespace Backprop.Simd.IO;

/// <summary>
/// Whether a path names a regular file. .NET reports a device node or a FIFO as an ordinary file (attributes Normal,
/// length 0), and renaming over one replaces it — as root, <c>/dev/null</c> itself — so the type is read with Linux's
/// <c>statx</c>, whose layout is the same on every architecture. Elsewhere only folders are recognised.
/// </summary>
internal static partial class FileKind
{
    private const int CurrentFolder = -100;   // AT_FDCWD
    private const uint TypeField = 0x1;       // STATX_TYPE
    private const int ModeOffset = 28;        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, uid, gid, u16 mode
    private const int TypeMask = 0xF000;      // S_IFMT
    private const int Regular = 0x8000;       // S_IFREG

    /// <summary>False when <paramref name="path"/> exists and is a folder, a device, a FIFO or a socket (links followed).</summary>
    public static bool IsRegularOrMissing(string path)
    {
        if (Directory.Exists(path)) return false;
        if (!OperatingSystem.IsLinux() || !File.Exists(path)) return true;
        try
        {
            Span<byte> buffer = stackalloc byte[256];
            if (Statx(CurrentFolder, path, 0, TypeField, ref MemoryMarshal.GetReference(buffer)) != 0) return true;
            int mode = buffer[ModeOffset] | (buffer[ModeOffset + 1] << 8);
            return (mode & TypeMask) == Regular;
        }
        catch (EntryPointNotFoundException) { return true; }   // a C library older than glibc 2.28 or musl 1.2.5
        catch (DllNotFoundException) { return true; }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folder, string path, int flags, uint mask, ref byte buffer);
}
