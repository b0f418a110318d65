using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Elementwise arithmetic on flat spans (the vector updates of L-BFGS, gradient scaling and accumulation), in the
/// variant given, else <see cref="SimdSupport.Active"/>. Each is one correctly rounded operation per element, no fused multiply-add,
/// so the tail and every variant give the same bits. The destination may be one of the sources, element for element.
/// </summary>
internal static class VectorArithmetic
{
    /// <summary>destination = x·a.</summary>
    public static void Scale<T>(ReadOnlySpan<T> x, T a, Span<T> destination, SimdVariant? variant = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, x, destination, new ScaleMap<T>(a), variant);

    /// <summary>destination = x·a + addend: <c>torch.add(addend, x, alpha=a)</c>.</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T a, ReadOnlySpan<T> addend, Span<T> destination, SimdVariant? variant = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, addend, destination, new MultiplyAddMap<T>(a), variant);

    /// <summary>destination = x − y.</summary>
    public static void Subtract<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, SimdVariant? variant = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, destination, new SubtractMap<T>(), variant);

    /// <summary>destination = −x.</summary>
    public static void Negate<T>(ReadOnlySpan<T> x, Span<T> destination, SimdVariant? variant = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, x, destination, new NegateMap<T>(), variant);

    private static void Map<T, TMap>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, TMap map, SimdVariant? variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TMap : struct, IVectorMap<T>
    {
        Check.Length(x.Length, "the length of x", y.Length, nameof(y));
        Check.Length(x.Length, "the length of x", destination.Length, nameof(destination));
        switch (variant ?? SimdSupport.Active)
        {
            case SimdVariant.Vector512: Map<T, TMap, Vector512<T>, Vector512Ops<T>>(x, y, destination, map); break;
            case SimdVariant.Vector256: Map<T, TMap, Vector256<T>, Vector256Ops<T>>(x, y, destination, map); break;
            case SimdVariant.Vector128: Map<T, TMap, Vector128<T>, Vector128Ops<T>>(x, y, destination, map); break;
            default: Map<T, TMap, T, ScalarOps<T>>(x, y, destination, map); break;
        }
    }

    // Compiled fully optimised at first call and never inlined into a tiered caller (see ElementwiseDriver).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Map<T, TMap, TVector, TOps>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, TMap map)
        where T : unmanaged, IFloatingPointIeee754<T> where TMap : struct, IVectorMap<T>
        where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y), ds = ref MemoryMarshal.GetReference(destination);
        nint i = 0;
        for (; i <= x.Length - TOps.Count; i += TOps.Count)
            TOps.Store(map.Apply<TVector, TOps>(TOps.Load(in Unsafe.Add(ref xs, i)), TOps.Load(in Unsafe.Add(ref ys, i))), ref Unsafe.Add(ref ds, i));
        for (; i < x.Length; i++)
            Unsafe.Add(ref ds, i) = map.Apply<T, ScalarOps<T>>(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
    }

    private readonly struct ScaleMap<T>(T a) : IVectorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T> =>
            TOps.Multiply(x, TOps.Broadcast(a));
    }

    private readonly struct MultiplyAddMap<T>(T a) : IVectorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T> =>
            TOps.Add(TOps.Multiply(x, TOps.Broadcast(a)), y);
    }

    private readonly struct SubtractMap<T> : IVectorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T> =>
            TOps.Subtract(x, y);
    }

    private readonly struct NegateMap<T> : IVectorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public TVector Apply<TVector, TOps>(TVector x, TVector y) where TVector : struct where TOps : IVectorOps<TVector, T> =>
            TOps.Negate(x);
    }
}
