using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Which <see cref="SimdVariant"/> the kernels use. The best accelerated variant is chosen once; the environment
/// variable <c>BACKPROP_SIMD</c> (<c>scalar</c>, <c>128</c>, <c>256</c>, <c>512</c>) forces a lower one, e.g. to compare
/// variants on one machine. A forced variant that the processor cannot run falls back to the best one it can.
/// </summary>
public static class SimdSupport
{
    /// <summary>The widest variant this processor accelerates.</summary>
    public static SimdVariant Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdVariant.Vector512
        : Vector256.IsHardwareAccelerated ? SimdVariant.Vector256
        : Vector128.IsHardwareAccelerated ? SimdVariant.Vector128
        : SimdVariant.Scalar;

    /// <summary>The variant the public kernel entry points dispatch to.</summary>
    public static SimdVariant Active { get; } = Parse(Environment.GetEnvironmentVariable("BACKPROP_SIMD")) is { } forced
        && IsSupported(forced) ? forced : Best;

    /// <summary>True when this processor accelerates <paramref name="variant"/> (scalar always is).</summary>
    public static bool IsSupported(SimdVariant variant) => variant <= Best;

    /// <summary>Every variant this processor accelerates, scalar first.</summary>
    public static IReadOnlyList<SimdVariant> Supported { get; } =
        Enum.GetValues<SimdVariant>().Where(IsSupported).ToArray();

    /// <summary>
    /// Every variant, accelerated or not. The kernels use only the portable <c>Vector128/256/512</c> APIs, which .NET
    /// emulates in software where the hardware lacks them, so tests check the 512-bit path on an AVX2 machine too.
    /// </summary>
    internal static IReadOnlyList<SimdVariant> All { get; } = Enum.GetValues<SimdVariant>();

    private static SimdVariant? Parse(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "SCALAR" => SimdVariant.Scalar,
        "128" or "VECTOR128" => SimdVariant.Vector128,
        "256" or "VECTOR256" => SimdVariant.Vector256,
        "512" or "VECTOR512" => SimdVariant.Vector512,
        _ => null,
    };
}
