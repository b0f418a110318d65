using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// How the panel kernel reads the four weight vectors of one step: as stored (float or double), or widened from
/// bfloat16. One struct per storage format and width, so the JIT compiles one kernel per pair with the read inlined.
/// </summary>
internal interface IPanelWeights<TVector, TWeight> where TVector : struct where TWeight : unmanaged
{
    /// <summary>The four vectors that start at <paramref name="w"/>, vector i from element i·Count.</summary>
    static abstract void Load(ref readonly TWeight w, out TVector w0, out TVector w1, out TVector w2, out TVector w3);
}

/// <summary>Weights stored in the model's own element type.</summary>
internal readonly struct FullWeights<TVector, T, TOps> : IPanelWeights<TVector, T>
    where TVector : struct where T : unmanaged, IFloatingPointIeee754<T> where TOps : IVectorOps<TVector, T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ref readonly T w, out TVector w0, out TVector w1, out TVector w2, out TVector w3)
    {
        nint n = TOps.Count;
        w0 = TOps.Load(in w);
        w1 = TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in w), n));
        w2 = TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in w), 2 * n));
        w3 = TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in w), 3 * n));
    }
}

// bfloat16 is the top half of a binary32, so widening is exact. MatVec.PackBFloat16 interleaves two vectors' weights
// in each 32-bit lane, so one load gives both: the low halves shifted up, the high halves masked, and no shuffle.
// These serve float models only (T = float); the casts to T are no-ops the JIT removes.

/// <summary>bfloat16 weights for 128-bit vectors: two loads of eight, four vectors of four floats.</summary>
internal readonly struct BFloat16Weights128<T> : IPanelWeights<Vector128<T>, ushort> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ref readonly ushort w, out Vector128<T> w0, out Vector128<T> w1, out Vector128<T> w2, out Vector128<T> w3)
    {
        ref readonly uint pairs = ref Unsafe.As<ushort, uint>(ref Unsafe.AsRef(in w));
        Vector128<uint> first = Vector128.LoadUnsafe(in pairs), second = Vector128.LoadUnsafe(in pairs, (nuint)Vector128<uint>.Count);
        w0 = (first << 16).As<uint, T>();
        w1 = (first & Vector128.Create(0xFFFF0000u)).As<uint, T>();
        w2 = (second << 16).As<uint, T>();
        w3 = (second & Vector128.Create(0xFFFF0000u)).As<uint, T>();
    }
}

/// <summary>bfloat16 weights for 256-bit vectors: two loads of sixteen, four vectors of eight floats.</summary>
internal readonly struct BFloat16Weights256<T> : IPanelWeights<Vector256<T>, ushort> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ref readonly ushort w, out Vector256<T> w0, out Vector256<T> w1, out Vector256<T> w2, out Vector256<T> w3)
    {
        ref readonly uint pairs = ref Unsafe.As<ushort, uint>(ref Unsafe.AsRef(in w));
        Vector256<uint> first = Vector256.LoadUnsafe(in pairs), second = Vector256.LoadUnsafe(in pairs, (nuint)Vector256<uint>.Count);
        w0 = (first << 16).As<uint, T>();
        w1 = (first & Vector256.Create(0xFFFF0000u)).As<uint, T>();
        w2 = (second << 16).As<uint, T>();
        w3 = (second & Vector256.Create(0xFFFF0000u)).As<uint, T>();
    }
}

/// <summary>bfloat16 weights for 512-bit vectors: two loads of thirty-two, four vectors of sixteen floats.</summary>
internal readonly struct BFloat16Weights512<T> : IPanelWeights<Vector512<T>, ushort> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ref readonly ushort w, out Vector512<T> w0, out Vector512<T> w1, out Vector512<T> w2, out Vector512<T> w3)
    {
        ref readonly uint pairs = ref Unsafe.As<ushort, uint>(ref Unsafe.AsRef(in w));
        Vector512<uint> first = Vector512.LoadUnsafe(in pairs), second = Vector512.LoadUnsafe(in pairs, (nuint)Vector512<uint>.Count);
        w0 = (first << 16).As<uint, T>();
        w1 = (first & Vector512.Create(0xFFFF0000u)).As<uint, T>();
        w2 = (second << 16).As<uint, T>();
        w3 = (second & Vector512.Create(0xFFFF0000u)).As<uint, T>();
    }
}

/// <summary>bfloat16 weights one element at a time, for the scalar variant.</summary>
internal readonly struct BFloat16WeightsScalar<T> : IPanelWeights<T, ushort> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ref readonly ushort w, out T w0, out T w1, out T w2, out T w3)
    {
        w0 = Widen(w);
        w1 = Widen(Unsafe.Add(ref Unsafe.AsRef(in w), 1));
        w2 = Widen(Unsafe.Add(ref Unsafe.AsRef(in w), 2));
        w3 = Widen(Unsafe.Add(ref Unsafe.AsRef(in w), 3));
    }

    private static T Widen(ushort bits)
    {
        float value = BFloat16.ToSingle(bits);
        return Unsafe.As<float, T>(ref value);
    }
}
