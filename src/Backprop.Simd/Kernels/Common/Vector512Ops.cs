using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>The 512-bit variant of <see cref="IVectorOps{TVector, T}"/>. AVX-512: 32 registers hold a 12 × 2-vector matrix accumulator tile (24) plus the two B vectors.</summary>
internal readonly unsafe struct Vector512Ops<T> : IMatMulOps<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    public static int TileRows => 12;
    public static Vector512<T> Zero => Vector512<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref readonly T source) => Vector512.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c) => MultiplyAddRule.Apply(a, b, c);

    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
    public static Vector512<T> Divide(Vector512<T> a, Vector512<T> b) => a / b;
    public static Vector512<T> Negate(Vector512<T> a) => -a;
    public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    public static Vector512<T> SquareRoot(Vector512<T> a) => Vector512.Sqrt(a);
    public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);
    public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
    public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);

    public static Vector512<T> ConditionalSelect(Vector512<T> mask, Vector512<T> ifTrue, Vector512<T> ifFalse) =>
        Vector512.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Vector512.Sum(value);

    public static T Largest(Vector512<T> value) => Horizontal.Max(value);
}
