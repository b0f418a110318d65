using System.Numerics;
using System.Runtime.CompilerServices;
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
/// Loads and stores of the first <c>lanes</c> elements of a vector, written once for every <see cref="IVectorOps{TVector, T}"/>
/// struct: a full vector is one instruction; a partial one (the end of a row) goes through the stack, so a tail never
/// reads or writes past the row and an in-place kernel never applies its function twice to one element.
/// </summary>
internal static class Lanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LoadFirst<TOps, TVector, T>(ref readonly T source, int lanes)
        where TOps : IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T> =>
        lanes == TOps.Count ? TOps.Load(in source) : LoadPartial<TVector, T>(in source, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst<TOps, TVector, T>(TVector value, ref T destination, int lanes)
        where TOps : IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (lanes == TOps.Count) TOps.Store(value, ref destination);
        else StorePartial(value, ref destination, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector KeepFirst<TOps, TVector, T>(TVector value, int lanes, T fill)
        where TOps : IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T> =>
        lanes == TOps.Count ? value
        : TOps.ConditionalSelect(TOps.LessThan(TOps.Indices, TOps.Broadcast(T.CreateTruncating(lanes))), value, TOps.Broadcast(fill));

    // Out of line: the stack copy takes the vector's address, which inlined would keep every full vector of the loop
    // in memory too.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVector LoadPartial<TVector, T>(ref readonly T source, int lanes) where TVector : struct where T : unmanaged
    {
        TVector v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<TVector, byte>(ref v), in Unsafe.As<T, byte>(ref Unsafe.AsRef(in source)),
            (uint)(lanes * Unsafe.SizeOf<T>()));
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial<TVector, T>(TVector value, ref T destination, int lanes) where TVector : struct where T : unmanaged =>
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref destination), in Unsafe.As<TVector, byte>(ref value),
            (uint)(lanes * Unsafe.SizeOf<T>()));
}
