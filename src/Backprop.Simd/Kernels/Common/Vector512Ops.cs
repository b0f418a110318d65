using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Simd.Kernels;

/// <summary>The 512-bit variant of <see cref="IVectorOps{TVector, T}"/>. AVX-512: 32 registers hold a 12 × 2-vector matrix accumulator tile (24) plus the two B vectors.</summary>
internal readonly unsafe struct Vector512Ops<T> : IMatMulOps<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    public static int TileRows => 12;
    public static Vector512<T> Zero => Vector512<T>.Zero;
    public static Vector512<T> Indices => Vector512<T>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref readonly T source) => Vector512.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c) => MultiplyAddRule.Apply(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> a, Vector512<T> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Negate(Vector512<T> a) => -a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SquareRoot(Vector512<T> a) => Vector512.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x) =>
        typeof(T) == typeof(float) ? Vector512.Exp(x.AsSingle()).As<float, T>() : Vector512.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log(Vector512<T> x) =>
        typeof(T) == typeof(float) ? Vector512.Log(x.AsSingle()).As<float, T>() : Vector512.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> CopySign(Vector512<T> value, Vector512<T> sign) => Vector512.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessThanOrEqual(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Equals(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IsNaN(Vector512<T> a) => ~Vector512.Equals(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSet(Vector512<T> mask)
    {
        ulong bits = mask.ExtractMostSignificantBits();
        return bits == 0 ? -1 : BitOperations.TrailingZeroCount(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ConditionalSelect(Vector512<T> mask, Vector512<T> ifTrue, Vector512<T> ifFalse) =>
        Vector512.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Largest(Vector512<T> value) => Horizontal.Max(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadFirst(ref readonly T source, int lanes) => Lanes.LoadFirst<Vector512Ops<T>, Vector512<T>, T>(in source, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(Vector512<T> value, ref T destination, int lanes) =>
        Lanes.StoreFirst<Vector512Ops<T>, Vector512<T>, T>(value, ref destination, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> KeepFirst(Vector512<T> value, int lanes, T fill) => Lanes.KeepFirst<Vector512Ops<T>, Vector512<T>, T>(value, lanes, fill);

    public static bool HasBlockTranspose => typeof(T) == typeof(float) && Avx512F.IsSupported;

    public static bool MasksAreCheap => Avx512F.IsSupported;

    // The 16 × 16 float transpose: interleave pairs of rows, then pairs of pairs (4 × 4 blocks inside each 128-bit
    // lane), then gather each output row's four 128-bit lanes from four rows in two lane shuffles. 64 shuffles for 256
    // elements, against one scalar load and store each.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeBlock(T* source, nint sourcePitch, T* destination, nint destinationPitch)
    {
        var s = (float*)source;
        var d = (float*)destination;
        Vector512<float> u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15;
        (u0, u1, u2, u3) = Transpose4(s, sourcePitch);
        (u4, u5, u6, u7) = Transpose4(s + (4 * sourcePitch), sourcePitch);
        (u8, u9, u10, u11) = Transpose4(s + (8 * sourcePitch), sourcePitch);
        (u12, u13, u14, u15) = Transpose4(s + (12 * sourcePitch), sourcePitch);

        // Column c of every 4 × 4 block: output rows c, 4 + c, 8 + c and 12 + c, stored below in increasing order.
        (Vector512<float> o0, Vector512<float> o4, Vector512<float> o8, Vector512<float> o12) = Gather(u0, u4, u8, u12);
        (Vector512<float> o1, Vector512<float> o5, Vector512<float> o9, Vector512<float> o13) = Gather(u1, u5, u9, u13);
        (Vector512<float> o2, Vector512<float> o6, Vector512<float> o10, Vector512<float> o14) = Gather(u2, u6, u10, u14);
        (Vector512<float> o3, Vector512<float> o7, Vector512<float> o11, Vector512<float> o15) = Gather(u3, u7, u11, u15);
        o0.Store(d);
        o1.Store(d + destinationPitch);
        o2.Store(d + (2 * destinationPitch));
        o3.Store(d + (3 * destinationPitch));
        o4.Store(d + (4 * destinationPitch));
        o5.Store(d + (5 * destinationPitch));
        o6.Store(d + (6 * destinationPitch));
        o7.Store(d + (7 * destinationPitch));
        o8.Store(d + (8 * destinationPitch));
        o9.Store(d + (9 * destinationPitch));
        o10.Store(d + (10 * destinationPitch));
        o11.Store(d + (11 * destinationPitch));
        o12.Store(d + (12 * destinationPitch));
        o13.Store(d + (13 * destinationPitch));
        o14.Store(d + (14 * destinationPitch));
        o15.Store(d + (15 * destinationPitch));
    }

    // Four rows in, the same four rows with each 128-bit lane's 4 × 4 block transposed: row c holds column c.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Transpose4(float* s, nint pitch)
    {
        Vector512<float> r0 = Avx512F.LoadVector512(s), r1 = Avx512F.LoadVector512(s + pitch);
        Vector512<float> r2 = Avx512F.LoadVector512(s + (2 * pitch)), r3 = Avx512F.LoadVector512(s + (3 * pitch));
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        return (Avx512F.Shuffle(t0, t2, 0x44), Avx512F.Shuffle(t0, t2, 0xEE), Avx512F.Shuffle(t1, t3, 0x44), Avx512F.Shuffle(t1, t3, 0xEE));
    }

    // Result l holds lane l of v0, v1, v2 and v3 in turn.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Gather(
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        Vector512<float> x0 = Avx512F.Shuffle4x128(v0, v1, 0x44), x1 = Avx512F.Shuffle4x128(v0, v1, 0xEE);
        Vector512<float> x2 = Avx512F.Shuffle4x128(v2, v3, 0x44), x3 = Avx512F.Shuffle4x128(v2, v3, 0xEE);
        return (Avx512F.Shuffle4x128(x0, x2, 0x88), Avx512F.Shuffle4x128(x0, x2, 0xDD), Avx512F.Shuffle4x128(x1, x3, 0x88),
            Avx512F.Shuffle4x128(x1, x3, 0xDD));
    }

    // AVX-512 masks a partial vector in one instruction, where the stack copy of Lanes costs a call and a memory round trip.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadMasked(T* source, int lanes)
    {
        if (Avx512F.IsSupported && typeof(T) == typeof(float))
        {
            return Avx512F.MaskLoad((float*)source, FirstLanes(lanes).AsSingle(), Vector512<float>.Zero).As<float, T>();
        }

        if (Avx512F.IsSupported && typeof(T) == typeof(double))
        {
            return Avx512F.MaskLoad((double*)source, FirstLanes(lanes).AsDouble(), Vector512<double>.Zero).As<double, T>();
        }

        return LoadFirst(in *source, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(Vector512<T> value, T* destination, int lanes)
    {
        if (Avx512F.IsSupported && typeof(T) == typeof(float))
        {
            Avx512F.MaskStore((float*)destination, FirstLanes(lanes).AsSingle(), value.AsSingle());
        }
        else if (Avx512F.IsSupported && typeof(T) == typeof(double))
        {
            Avx512F.MaskStore((double*)destination, FirstLanes(lanes).AsDouble(), value.AsDouble());
        }
        else
        {
            StoreFirst(value, ref *destination, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> FirstLanes(int lanes) => Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(lanes)));
}
