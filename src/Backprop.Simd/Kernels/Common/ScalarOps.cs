using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Kernels;

/// <summary>The scalar variant of <see cref="IVectorOps{TVector, T}"/>: one element is one "vector"; a mask is 1 or 0.</summary>
internal readonly struct ScalarOps<T> : IVectorOps<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;
    public static T Zero => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref readonly T source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, ref T destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c) => MultiplyAddRule.Apply(a, b, c);

    public static T Add(T a, T b) => a + b;
    public static T Subtract(T a, T b) => a - b;
    public static T Multiply(T a, T b) => a * b;
    public static T Divide(T a, T b) => a / b;
    public static T Negate(T a) => -a;
    public static T Abs(T a) => T.Abs(a);
    public static T SquareRoot(T a) => T.Sqrt(a);
    public static T Min(T a, T b) => T.Min(a, b);
    public static T Max(T a, T b) => T.Max(a, b);
    public static T LessThan(T a, T b) => a < b ? T.One : T.Zero;
    public static T GreaterThan(T a, T b) => a > b ? T.One : T.Zero;
    public static T ConditionalSelect(T mask, T ifTrue, T ifFalse) => mask != T.Zero ? ifTrue : ifFalse;
    public static T Sum(T value) => value;
    public static T Largest(T value) => value;
}
