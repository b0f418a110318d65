using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The vector operations every kernel loop is written in, for one vector type: <see cref="ScalarOps{T}"/>,
/// <see cref="Vector128Ops{T}"/>, <see cref="Vector256Ops{T}"/> and <see cref="Vector512Ops{T}"/>. Each width is a
/// struct, so the JIT compiles one specialised copy of a loop per width with every call inlined: one loop source, four
/// variants, each chosen by <see cref="SimdVariant"/>. The scalar struct is the same loop one element at a time, so a
/// tail done with it rounds exactly as a vector lane does. Masks (from the comparisons) are only for
/// <see cref="ConditionalSelect"/>.
/// </summary>
internal interface IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }
    static abstract TVector Load(ref readonly T source);
    static abstract void Store(TVector value, ref T destination);
    static abstract TVector Broadcast(T value);

    /// <summary>a·b + c by <see cref="MultiplyAddRule"/>.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    static abstract TVector Add(TVector a, TVector b);
    static abstract TVector Subtract(TVector a, TVector b);
    static abstract TVector Multiply(TVector a, TVector b);
    static abstract TVector Divide(TVector a, TVector b);
    static abstract TVector Negate(TVector a);
    static abstract TVector Abs(TVector a);
    static abstract TVector SquareRoot(TVector a);

    /// <summary>The lane-wise minimum and maximum as <c>T.Min</c>/<c>T.Max</c>: NaN propagates, −0 &lt; +0.</summary>
    static abstract TVector Min(TVector a, TVector b);
    static abstract TVector Max(TVector a, TVector b);

    static abstract TVector LessThan(TVector a, TVector b);
    static abstract TVector GreaterThan(TVector a, TVector b);

    /// <summary>Lanes of <paramref name="ifTrue"/> where <paramref name="mask"/> is set, else of <paramref name="ifFalse"/>.</summary>
    static abstract TVector ConditionalSelect(TVector mask, TVector ifTrue, TVector ifFalse);

    /// <summary>The sum of the lanes.</summary>
    static abstract T Sum(TVector value);

    /// <summary>The largest lane; NaN when any lane is NaN.</summary>
    static abstract T Largest(TVector value);
}
