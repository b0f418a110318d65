using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>The scalar variant of <see cref="IVectorOps{TVector, T}"/>: one element is one "vector"; a mask is 1 or 0.</summary>
internal readonly struct ScalarOps<T> : IVectorOps<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;
    public static T Zero => T.Zero;
    public static T Indices => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref readonly T source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, ref T destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c) => MultiplyAddRule.Apply(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T a, T b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract(T a, T b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply(T a, T b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Divide(T a, T b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Negate(T a) => -a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Abs(T a) => T.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SquareRoot(T a) => T.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp(T x) => T.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log(T x) => T.Log(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T CopySign(T value, T sign) => T.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Min(T a, T b) => T.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max(T a, T b) => T.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LessThan(T a, T b) => a < b ? T.One : T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GreaterThan(T a, T b) => a > b ? T.One : T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LessThanOrEqual(T a, T b) => a <= b ? T.One : T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Equals(T a, T b) => a == b ? T.One : T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T IsNaN(T a) => T.IsNaN(a) ? T.One : T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSet(T mask) => mask != T.Zero ? 0 : -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ConditionalSelect(T mask, T ifTrue, T ifFalse) => mask != T.Zero ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Largest(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LoadFirst(ref readonly T source, int lanes) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(T value, ref T destination, int lanes) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T KeepFirst(T value, int lanes, T fill) => value;
}
