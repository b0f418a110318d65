using System.Runtime.CompilerServices;

namespace Backprop.Simd.Memory;

/// <summary>
/// Sizes of the blocks a network and a trainer allocate, counted in 64-bit before anything is allocated: a product of
/// sizes that wraps past 2³¹ would otherwise build a tiny block (a batch of 12,632,257 once made an 84-element
/// workspace), and one too large for memory would end in <see cref="OutOfMemoryException"/> after the work began.
/// </summary>
internal static class Sizing
{
    /// <summary>The most elements one block holds, leaving room for the padding to whole vectors.</summary>
    public const long MaxElements = 0x7FFFFFC7 - 64;   // Array.MaxLength - 64

    /// <summary>Returns <paramref name="count"/> as an int, or refuses it when one block cannot hold it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is beyond <see cref="MaxElements"/>.</exception>
    public static int Elements(long count, string what, string paramName) =>
        count <= MaxElements ? (int)count
            : throw new ArgumentOutOfRangeException(paramName, count,
                what + " needs " + count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
                + " elements; one block holds at most " + MaxElements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + ".");

    /// <summary>Refuses to start when <paramref name="elements"/> of T cannot fit in the memory the GC may use.</summary>
    /// <exception cref="InsufficientMemoryException">They do not fit.</exception>
    public static void RequireMemory<T>(long elements, string what)
    {
        long bytes = elements * Unsafe.SizeOf<T>();
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
            throw new InsufficientMemoryException(what + " needs " + Gigabytes(bytes) + " of memory; "
                + Gigabytes(available) + " is available. Use fewer or narrower layers or a smaller batch.");
    }

    private static string Gigabytes(long bytes) =>
        (bytes / 1e9).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " GB";
}
