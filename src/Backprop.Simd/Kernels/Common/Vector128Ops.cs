using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Simd.Kernels;

/// <summary>The 128-bit variant of <see cref="IVectorOps{TVector, T}"/>. SSE / NEON: 16 SSE registers bound the matrix tile to 6 × 2 vectors, as for AVX2.</summary>
internal readonly unsafe struct Vector128Ops<T> : IMatMulOps<Vector128<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;
    public static int TileRows => 6;
    public static Vector128<T> Zero => Vector128<T>.Zero;
    public static Vector128<T> Indices => Vector128<T>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref readonly T source) => Vector128.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c) => MultiplyAddRule.Apply(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> a, Vector128<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Divide(Vector128<T> a, Vector128<T> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Negate(Vector128<T> a) => -a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> SquareRoot(Vector128<T> a) => Vector128.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> x) =>
        typeof(T) == typeof(float) ? Vector128.Exp(x.AsSingle()).As<float, T>() : Vector128.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log(Vector128<T> x) =>
        typeof(T) == typeof(float) ? Vector128.Log(x.AsSingle()).As<float, T>() : Vector128.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> CopySign(Vector128<T> value, Vector128<T> sign) => Vector128.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Min(Vector128<T> a, Vector128<T> b) => Vector128.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Max(Vector128<T> a, Vector128<T> b) => Vector128.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LessThan(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> GreaterThan(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LessThanOrEqual(Vector128<T> a, Vector128<T> b) => Vector128.LessThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Equals(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> IsNaN(Vector128<T> a) => ~Vector128.Equals(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSet(Vector128<T> mask)
    {
        uint bits = mask.ExtractMostSignificantBits();
        return bits == 0 ? -1 : BitOperations.TrailingZeroCount(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ConditionalSelect(Vector128<T> mask, Vector128<T> ifTrue, Vector128<T> ifFalse) =>
        Vector128.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Largest(Vector128<T> value) => Horizontal.Max(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadFirst(ref readonly T source, int lanes) => Lanes.LoadFirst<Vector128Ops<T>, Vector128<T>, T>(in source, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(Vector128<T> value, ref T destination, int lanes) =>
        Lanes.StoreFirst<Vector128Ops<T>, Vector128<T>, T>(value, ref destination, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> KeepFirst(Vector128<T> value, int lanes, T fill) => Lanes.KeepFirst<Vector128Ops<T>, Vector128<T>, T>(value, lanes, fill);

    // AVX masks a partial vector in one instruction (vmaskmov); SSE-only and Arm processors take the stack copy of Lanes.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadMasked(T* source, int lanes)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float)) return Avx.MaskLoad((float*)source, FirstLanes(lanes).AsSingle()).As<float, T>();
        if (Avx.IsSupported && typeof(T) == typeof(double)) return Avx.MaskLoad((double*)source, FirstLanes(lanes).AsDouble()).As<double, T>();
        return LoadFirst(in *source, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(Vector128<T> value, T* destination, int lanes)
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
    private static Vector128<T> FirstLanes(int lanes) => Vector128.LessThan(Vector128<T>.Indices, Vector128.Create(T.CreateTruncating(lanes)));
}
