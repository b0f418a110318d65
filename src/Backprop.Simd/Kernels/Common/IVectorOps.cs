using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The handful of vector operations the panel kernel needs, for one vector type. Each width is a struct, so the JIT
/// compiles one specialised copy of the kernel per width with every call inlined: one kernel source, four variants. Generic code branches on typeof(T), which the JIT folds.
/// </summary>
internal interface IVectorOps<TVector, T> where TVector : struct where T : unmanaged
{
    static abstract int Count { get; }
    static abstract TVector Load(ref readonly T source);
    static abstract void Store(TVector value, ref T destination);
    static abstract TVector Broadcast(T value);

    /// <summary>a·b + c by <see cref="MultiplyAddRule"/>.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
}

internal readonly struct ScalarOps<T> : IVectorOps<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;
    public static T Load(ref readonly T source) => source;
    public static void Store(T value, ref T destination) => destination = value;
    public static T Broadcast(T value) => value;
    public static T MultiplyAdd(T a, T b, T c) => MultiplyAddRule.Apply(a, b, c);
}

internal readonly struct Vector128Ops<T> : IVectorOps<Vector128<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;
    public static Vector128<T> Load(ref readonly T source) => Vector128.LoadUnsafe(in source);
    public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c) =>
        MultiplyAddRule.Apply(a, b, c);
}

internal readonly struct Vector256Ops<T> : IVectorOps<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;
    public static Vector256<T> Load(ref readonly T source) => Vector256.LoadUnsafe(in source);
    public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c) =>
        MultiplyAddRule.Apply(a, b, c);
}

internal readonly struct Vector512Ops<T> : IVectorOps<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    public static Vector512<T> Load(ref readonly T source) => Vector512.LoadUnsafe(in source);
    public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c) =>
        MultiplyAddRule.Apply(a, b, c);
}
