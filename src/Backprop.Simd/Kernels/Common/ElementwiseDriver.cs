using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The work of one elementwise kernel at element <c>i</c> of row <c>row</c>: a scalar step and one step per vector
/// width, each given how many of the vector's lanes are real (the last vector of a row may be partial). Steps are
/// ref structs holding references into the caller's rows, so the JIT inlines them into the driver: no delegate, no
/// virtual call per element.
/// </summary>
internal interface IElementwiseStep
{
    void Invoke(nint row, nint i);
    void Invoke128(nint row, nint i, int lanes);
    void Invoke256(nint row, nint i, int lanes);
    void Invoke512(nint row, nint i, int lanes);
}

/// <summary>Walks the rows of a 2-D region with the vectors of one <see cref="SimdVariant"/>.</summary>
internal static class ElementwiseDriver
{
    // Compiled fully optimised at first call, not tiered: the first epoch runs at full speed instead of in
    // unoptimised code, and the arithmetic never changes when a method is recompiled. Never inlined into a tiered
    // caller, where PGO's rewrite can run out of inlining budget and turn the vector helpers into calls.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run<T, TStep>(ref TStep step, int rows, int width, SimdVariant variant)
        where T : unmanaged where TStep : IElementwiseStep, allows ref struct
    {
        for (nint row = 0; row < rows; row++) RunRow<T, TStep>(ref step, row, width, variant);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void RunRow<T, TStep>(ref TStep step, nint row, int width, SimdVariant variant)
        where T : unmanaged where TStep : IElementwiseStep, allows ref struct
    {
        switch (variant)
        {
            case SimdVariant.Vector512:
                for (int i = 0; i < width; i += Vector512<T>.Count) step.Invoke512(row, i, Math.Min(Vector512<T>.Count, width - i));
                break;
            case SimdVariant.Vector256:
                for (int i = 0; i < width; i += Vector256<T>.Count) step.Invoke256(row, i, Math.Min(Vector256<T>.Count, width - i));
                break;
            case SimdVariant.Vector128:
                for (int i = 0; i < width; i += Vector128<T>.Count) step.Invoke128(row, i, Math.Min(Vector128<T>.Count, width - i));
                break;
            default:
                for (int i = 0; i < width; i++) step.Invoke(row, i);
                break;
        }
    }
}
