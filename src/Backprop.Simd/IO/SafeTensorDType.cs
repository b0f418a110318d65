namespace Backprop.Simd.IO;

/// <summary>The safetensors element types this library reads (all converted to float); it writes <see cref="F32"/>.</summary>
public enum SafeTensorDType
{
    /// <summary>IEEE 754 binary32, "F32".</summary>
    F32,
    /// <summary>IEEE 754 binary64, "F64"; rounded to nearest float on import.</summary>
    F64,
    /// <summary>IEEE 754 binary16, "F16"; exact in float.</summary>
    F16,
    /// <summary>bfloat16 (the top 16 bits of a binary32), "BF16"; exact in float.</summary>
    BF16,
}
