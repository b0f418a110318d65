namespace Backprop.Simd.Kernels;

/// <summary>
/// erfc z = t·exp(P(s) − z²) for z ≥ 0, t = 2/(2 + z), s = 2t − 1 ∈ (−1, 1]: P is smooth on the whole half-line, so
/// one Chebyshev series covers it and both tails keep full relative precision. The coefficients are Chebyshev
/// interpolants of log(erfc z / t) + z² computed at 40 digits; each type keeps the terms above its epsilon.
/// </summary>
internal static class ErfcChebyshev
{
    public const double InverseSqrt2 = 0.70710678118654752440;
    public const double InverseSqrt2Pi = 0.39894228040143267794;

    public static ReadOnlySpan<double> Coefficients<T>() => typeof(T) == typeof(float) ? Single : Double;

    private static ReadOnlySpan<double> Single =>
    [
        -6.513268598908547171e-1,
        6.419697923564902603e-1,
        1.9476473204185836312e-2,
        -9.5615147868086316419e-3,
        -9.465953444820368663e-4,
        3.6683949785276145187e-4,
        4.2523324806907771645e-5,
        -2.0278578112534243154e-5,
        -1.6242900046470255135e-6,
        1.3036558355805232018e-6,
        1.5626441722066143178e-8,
        -8.5238095914926542525e-8,
        6.5290544390988514964e-9,
        5.0593434955514689418e-9,
    ];

    private static ReadOnlySpan<double> Double =>
    [
        -6.513268598908547171e-1,
        6.419697923564902603e-1,
        1.9476473204185836312e-2,
        -9.5615147868086316419e-3,
        -9.465953444820368663e-4,
        3.6683949785276145187e-4,
        4.2523324806907771645e-5,
        -2.0278578112534243154e-5,
        -1.6242900046470255135e-6,
        1.3036558355805232018e-6,
        1.5626441722066143178e-8,
        -8.5238095914926542525e-8,
        6.5290544390988514964e-9,
        5.0593434955514689418e-9,
        -9.9136415649303308674e-10,
        -2.2736512229318358557e-10,
        9.646791102015526802e-11,
        2.3940380830391147447e-12,
        -6.8860275264975533984e-12,
        8.9448792730907257167e-13,
        3.1309213993429580783e-13,
        -1.1270822361367252366e-13,
        3.8109052551892320553e-16,
        7.1060976136092369877e-15,
        -1.5230282014571043043e-15,
        -9.457494571291234002e-17,
        1.2102371892242789925e-16,
        -2.8166630877471769733e-17,
        5.0030055594459030376e-20,
        2.328104257952925274e-18,
    ];
}
