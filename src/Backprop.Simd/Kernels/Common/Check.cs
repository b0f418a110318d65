using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>Argument checks shared by the kernels: shapes agree, and a destination is its source exactly or apart.</summary>
internal static class Check
{
    public static void SameShape<T>(ReadOnlySpan2D<T> expected, string expectedName, ReadOnlySpan2D<T> actual, string actualName)
    {
        if (actual.Height != expected.Height || actual.Width != expected.Width)
            throw new ArgumentException($"{actualName} is [{actual.Height}, {actual.Width}] but {expectedName} is [{expected.Height}, {expected.Width}].", actualName);
    }

    public static void Length(int expected, string expectedWhat, int actual, string actualName)
    {
        if (actual != expected)
            throw new ArgumentException($"{actualName} has length {actual} but {expectedWhat} is {expected}.", actualName);
    }

    /// <summary>
    /// Throws when two regions share memory without being the same region: an elementwise kernel may write over its
    /// input element by element, but a shifted alias would read values it has already overwritten.
    /// </summary>
    public static void NoPartialOverlap<T>(ReadOnlySpan2D<T> source, string sourceName, ReadOnlySpan2D<T> destination, string destinationName)
    {
        if (source.IsEmpty || destination.IsEmpty) return;
        ref T s = ref Unsafe.AsRef(in source.DangerousGetReference());
        ref T d = ref Unsafe.AsRef(in destination.DangerousGetReference());
        nint offset = Unsafe.ByteOffset(ref s, ref d);
        if (offset < Extent(source) && -offset < Extent(destination)
            && (offset != 0 || Stride(source) != Stride(destination) || source.Width != destination.Width))
            throw new ArgumentException($"{destinationName} overlaps {sourceName} without being the same memory.", destinationName);
    }

    /// <summary>True when any element of <paramref name="a"/> lies between the first and last element of <paramref name="b"/> or the reverse.</summary>
    public static bool SharesMemory<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b)
    {
        if (a.IsEmpty || b.IsEmpty) return false;
        ref T aStart = ref Unsafe.AsRef(in a.DangerousGetReference());
        ref T aEnd = ref Unsafe.AsRef(in a.DangerousGetReferenceAt(a.Height - 1, a.Width - 1));
        ref T bStart = ref Unsafe.AsRef(in b.DangerousGetReference());
        ref T bEnd = ref Unsafe.AsRef(in b.DangerousGetReferenceAt(b.Height - 1, b.Width - 1));
        return !Unsafe.IsAddressGreaterThan(ref aStart, ref bEnd) && !Unsafe.IsAddressGreaterThan(ref bStart, ref aEnd);
    }

    /// <summary>Elements from the start of one row to the start of the next (width plus pitch).</summary>
    public static nint Stride<T>(ReadOnlySpan2D<T> view) => view.Height < 2 ? view.Width
        : Unsafe.ByteOffset(ref Unsafe.AsRef(in view.DangerousGetReferenceAt(0, 0)), ref Unsafe.AsRef(in view.DangerousGetReferenceAt(1, 0)))
            / Unsafe.SizeOf<T>();

    private static nint Extent<T>(ReadOnlySpan2D<T> view) =>
        (((nint)view.Height - 1) * Stride(view) + view.Width) * Unsafe.SizeOf<T>();
}
