namespace Backprop.Simd.IO;

/// <summary>The floating-point type of a model's parameters and optimizer state.</summary>
public enum ModelElementType
{
    /// <summary>IEEE 754 binary32 (<see cref="float"/>).</summary>
    Float32 = 1,
    /// <summary>IEEE 754 binary64 (<see cref="double"/>).</summary>
    Float64 = 2,
}
