using System.Numerics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The vector operations every kernel loop is written in, for one vector type: <see cref="ScalarOps{T}"/>,
/// <see cref="Vector128Ops{T}"/>, <see cref="Vector256Ops{T}"/> and <see cref="Vector512Ops{T}"/>. Each width is a
/// struct, so the JIT compiles one specialised copy of a loop per width with every call inlined: one loop source, four
/// variants, each chosen by <see cref="SimdVariant"/>. The scalar struct is the same loop one element at a time, so a
/// tail done with it rounds exactly as a vector lane does. Masks (from the comparisons) are only for
/// <see cref="ConditionalSelect"/> and <see cref="FirstSet"/>; the scalar struct's mask is 1 or 0.
/// </summary>
internal interface IVectorOps<TVector, T> where TVector : struct where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    /// <summary>Lane i holds i.</summary>
    static abstract TVector Indices { get; }

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

    /// <summary>e^x and the natural logarithm, the runtime's vector (or scalar) functions.</summary>
    static abstract TVector Exp(TVector x);
    static abstract TVector Log(TVector x);

    /// <summary>The magnitude of <paramref name="value"/> with the sign of <paramref name="sign"/>.</summary>
    static abstract TVector CopySign(TVector value, TVector sign);

    /// <summary>The lane-wise minimum and maximum as <c>T.Min</c>/<c>T.Max</c>: NaN propagates, −0 &lt; +0.</summary>
    static abstract TVector Min(TVector a, TVector b);
    static abstract TVector Max(TVector a, TVector b);

    static abstract TVector LessThan(TVector a, TVector b);
    static abstract TVector GreaterThan(TVector a, TVector b);
    static abstract TVector LessThanOrEqual(TVector a, TVector b);
    static abstract TVector Equals(TVector a, TVector b);
    static abstract TVector IsNaN(TVector a);

    /// <summary>The first lane set in <paramref name="mask"/>, or −1 when none is.</summary>
    static abstract int FirstSet(TVector mask);

    /// <summary>Lanes of <paramref name="ifTrue"/> where <paramref name="mask"/> is set, else of <paramref name="ifFalse"/>.</summary>
    static abstract TVector ConditionalSelect(TVector mask, TVector ifTrue, TVector ifFalse);

    /// <summary>The sum of the lanes.</summary>
    static abstract T Sum(TVector value);

    /// <summary>The largest lane; NaN when any lane is NaN.</summary>
    static abstract T Largest(TVector value);

    /// <summary>The first <paramref name="lanes"/> elements, the rest zero (<see cref="Lanes.LoadFirst{TOps, TVector, T}"/>).</summary>
    static abstract TVector LoadFirst(ref readonly T source, int lanes);

    /// <summary>Stores the first <paramref name="lanes"/> elements only.</summary>
    static abstract void StoreFirst(TVector value, ref T destination, int lanes);

    /// <summary><paramref name="value"/> with the lanes from <paramref name="lanes"/> on replaced by <paramref name="fill"/>.</summary>
    static abstract TVector KeepFirst(TVector value, int lanes, T fill);
}
