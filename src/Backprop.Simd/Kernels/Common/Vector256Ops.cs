using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Simd.Kernels;

/// <summary>The 256-bit variant of <see cref="IVectorOps{TVector, T}"/>. AVX2: 16 registers hold a 6 × 2-vector matrix accumulator tile (12), the two B vectors and one broadcast.</summary>
internal readonly unsafe struct Vector256Ops<T> : IMatMulOps<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;
    public static int TileRows => 6;
    public static Vector256<T> Zero => Vector256<T>.Zero;
    public static Vector256<T> Indices => Vector256<T>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref readonly T source) => Vector256.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c) => MultiplyAddRule.Apply(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> a, Vector256<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Divide(Vector256<T> a, Vector256<T> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Negate(Vector256<T> a) => -a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SquareRoot(Vector256<T> a) => Vector256.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Vector256.Exp(x.AsSingle()).As<float, T>() : Vector256.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Vector256.Log(x.AsSingle()).As<float, T>() : Vector256.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> CopySign(Vector256<T> value, Vector256<T> sign) => Vector256.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Min(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LessThanOrEqual(Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Equals(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> IsNaN(Vector256<T> a) => ~Vector256.Equals(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSet(Vector256<T> mask)
    {
        uint bits = mask.ExtractMostSignificantBits();
        return bits == 0 ? -1 : BitOperations.TrailingZeroCount(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ConditionalSelect(Vector256<T> mask, Vector256<T> ifTrue, Vector256<T> ifFalse) =>
        Vector256.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Largest(Vector256<T> value) => Horizontal.Max(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadFirst(ref readonly T source, int lanes) => Lanes.LoadFirst<Vector256Ops<T>, Vector256<T>, T>(in source, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(Vector256<T> value, ref T destination, int lanes) =>
        Lanes.StoreFirst<Vector256Ops<T>, Vector256<T>, T>(value, ref destination, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> KeepFirst(Vector256<T> value, int lanes, T fill) => Lanes.KeepFirst<Vector256Ops<T>, Vector256<T>, T>(value, lanes, fill);

    public static bool HasBlockTranspose => typeof(T) == typeof(float) && Avx.IsSupported;

    // The textbook 8 × 8 float transpose: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
    // 24 shuffles for 64 elements, against one scalar load and store each.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeBlock(T* source, nint sourcePitch, T* destination, nint destinationPitch)
    {
        var s = (float*)source;
        var d = (float*)destination;
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + sourcePitch);
        Vector256<float> r2 = Avx.LoadVector256(s + (2 * sourcePitch)), r3 = Avx.LoadVector256(s + (3 * sourcePitch));
        Vector256<float> r4 = Avx.LoadVector256(s + (4 * sourcePitch)), r5 = Avx.LoadVector256(s + (5 * sourcePitch));
        Vector256<float> r6 = Avx.LoadVector256(s + (6 * sourcePitch)), r7 = Avx.LoadVector256(s + (7 * sourcePitch));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + destinationPitch, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + (2 * destinationPitch), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + (3 * destinationPitch), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + (4 * destinationPitch), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + (5 * destinationPitch), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + (6 * destinationPitch), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + (7 * destinationPitch), Avx.Permute2x128(u3, u7, 0x31));
    }

    // AVX masks a partial vector in one instruction (vmaskmov), where the stack copy of Lanes costs a call and a memory round trip.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadMasked(T* source, int lanes)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float)) return Avx.MaskLoad((float*)source, FirstLanes(lanes).AsSingle()).As<float, T>();
        if (Avx.IsSupported && typeof(T) == typeof(double)) return Avx.MaskLoad((double*)source, FirstLanes(lanes).AsDouble()).As<double, T>();
        return LoadFirst(in *source, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(Vector256<T> value, T* destination, int lanes)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float))
        {
            Avx.MaskStore((float*)destination, FirstLanes(lanes).AsSingle(), value.AsSingle());
        }
        else if (Avx.IsSupported && typeof(T) == typeof(double))
        {
            Avx.MaskStore((double*)destination, FirstLanes(lanes).AsDouble(), value.AsDouble());
        }
        else
        {
            StoreFirst(value, ref *destination, lanes);
        }
    }

    // All bits set in the first lanes: vmaskmov reads each lane's sign bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> FirstLanes(int lanes) => Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(lanes)));
}
