using System.Buffers.Text;
using Microsoft.Win32.SafeHandles;

namespace Backprop.Simd.Hosting;

/// <summary>
/// The process's garbage-collector and memory figures at one moment, for <c>/metrics</c>: what a load test reads before
/// and after a run to count collections and bytes allocated per request.
/// </summary>
internal readonly record struct RuntimeFigures(int Gen0Collections, int Gen1Collections, int Gen2Collections, long AllocatedBytes,
    TimeSpan PauseDuration, long ResidentBytes)
{
    public static RuntimeFigures Read() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration(), ResidentSetBytes());

    public int Collections(int generation) => generation switch
    {
        0 => Gen0Collections,
        1 => Gen1Collections,
        _ => Gen2Collections,
    };

    // Linux: /proc/self/statm's second field, resident pages, read into a stack buffer (Environment.WorkingSet would go
    // through a Process object by reflection). Elsewhere, Environment.WorkingSet.
    private static long ResidentSetBytes()
    {
        if (!OperatingSystem.IsLinux()) return Environment.WorkingSet;
        try
        {
            Span<byte> text = stackalloc byte[128];
            int length;
            using (SafeFileHandle file = File.OpenHandle("/proc/self/statm")) length = RandomAccess.Read(file, text, 0);
            text = text[..length];
            int space = text.IndexOf((byte)' ');
            if (space < 0 || !Utf8Parser.TryParse(text[(space + 1)..], out long pages, out _)) return Environment.WorkingSet;
            return pages * Environment.SystemPageSize;
        }
        catch (IOException)
        {
            return Environment.WorkingSet;
        }
    }
}
