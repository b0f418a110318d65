namespace Backprop.Simd.Kernels;

/// <summary>The instruction-set variants every kernel has; one is chosen once at start-up.</summary>
public enum SimdVariant
{
    /// <summary>Plain scalar loops: the fallback on any processor.</summary>
    Scalar,
    /// <summary>128-bit vectors (SSE on x64, NEON on Arm64).</summary>
    Vector128,
    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256,
    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}
