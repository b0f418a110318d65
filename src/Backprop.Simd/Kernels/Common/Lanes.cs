using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// A row-major 2-D region addressed by a reference and a row stride in elements: what a step keeps of a Span2D.
/// An empty region has a null reference and must not be read.
/// </summary>
internal readonly ref struct Strided<T>
{
    private readonly ref T origin;
    private readonly nint stride;

    public Strided(ReadOnlySpan2D<T> view)
    {
        origin = ref view.IsEmpty ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef(in view.DangerousGetReference());
        stride = Check.Stride(view);
    }

    public Strided(ReadOnlySpan<T> span)
    {
        origin = ref span.IsEmpty ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef(in span.GetPinnableReference());
        stride = 0;
    }

    public bool IsEmpty => Unsafe.IsNullRef(ref origin);

    public ref T this[nint row, nint i] => ref Unsafe.Add(ref origin, row * stride + i);
}

/// <summary>
/// Loads and stores of the first <c>lanes</c> elements of a vector: a full vector is one instruction; a partial one
/// (the end of a row) goes through the stack, so a tail never reads or writes past the row and an in-place kernel
/// never applies its function twice to one element.
/// </summary>
internal static class Lanes
{
    public static Vector128<T> Load128<T>(ref T source, int lanes) where T : unmanaged
    {
        if (lanes == Vector128<T>.Count) return Vector128.LoadUnsafe(ref source);
        Vector128<T> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector128<T>, byte>(ref v), ref Unsafe.As<T, byte>(ref source), (uint)(lanes * Unsafe.SizeOf<T>()));
        return v;
    }

    public static void Store128<T>(Vector128<T> v, ref T destination, int lanes) where T : unmanaged
    {
        if (lanes == Vector128<T>.Count)
        {
            v.StoreUnsafe(ref destination);
            return;
        }
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref destination), ref Unsafe.As<Vector128<T>, byte>(ref v), (uint)(lanes * Unsafe.SizeOf<T>()));
    }

    /// <summary>v with the lanes from <paramref name="lanes"/> on replaced by <paramref name="fill"/>.</summary>
    public static Vector128<T> KeepFirst128<T>(Vector128<T> v, int lanes, T fill) where T : unmanaged, INumber<T>
    {
        if (lanes == Vector128<T>.Count) return v;
        return Vector128.ConditionalSelect(Vector128.LessThan(Vector128<T>.Indices, Vector128.Create(T.CreateTruncating(lanes))), v, Vector128.Create(fill));
    }

    public static Vector256<T> Load256<T>(ref T source, int lanes) where T : unmanaged
    {
        if (lanes == Vector256<T>.Count) return Vector256.LoadUnsafe(ref source);
        Vector256<T> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector256<T>, byte>(ref v), ref Unsafe.As<T, byte>(ref source), (uint)(lanes * Unsafe.SizeOf<T>()));
        return v;
    }

    public static void Store256<T>(Vector256<T> v, ref T destination, int lanes) where T : unmanaged
    {
        if (lanes == Vector256<T>.Count)
        {
            v.StoreUnsafe(ref destination);
            return;
        }
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref destination), ref Unsafe.As<Vector256<T>, byte>(ref v), (uint)(lanes * Unsafe.SizeOf<T>()));
    }

    /// <summary>v with the lanes from <paramref name="lanes"/> on replaced by <paramref name="fill"/>.</summary>
    public static Vector256<T> KeepFirst256<T>(Vector256<T> v, int lanes, T fill) where T : unmanaged, INumber<T>
    {
        if (lanes == Vector256<T>.Count) return v;
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(lanes))), v, Vector256.Create(fill));
    }

    public static Vector512<T> Load512<T>(ref T source, int lanes) where T : unmanaged
    {
        if (lanes == Vector512<T>.Count) return Vector512.LoadUnsafe(ref source);
        Vector512<T> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector512<T>, byte>(ref v), ref Unsafe.As<T, byte>(ref source), (uint)(lanes * Unsafe.SizeOf<T>()));
        return v;
    }

    public static void Store512<T>(Vector512<T> v, ref T destination, int lanes) where T : unmanaged
    {
        if (lanes == Vector512<T>.Count)
        {
            v.StoreUnsafe(ref destination);
            return;
        }
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref destination), ref Unsafe.As<Vector512<T>, byte>(ref v), (uint)(lanes * Unsafe.SizeOf<T>()));
    }

    /// <summary>v with the lanes from <paramref name="lanes"/> on replaced by <paramref name="fill"/>.</summary>
    public static Vector512<T> KeepFirst512<T>(Vector512<T> v, int lanes, T fill) where T : unmanaged, INumber<T>
    {
        if (lanes == Vector512<T>.Count) return v;
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(lanes))), v, Vector512.Create(fill));
    }
}
