using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels;

/// <summary>
/// The work of one elementwise kernel at element <c>i</c> of row <c>row</c>, written once over the ops family and given
/// how many of the vector's lanes are real (the last vector of a row may be partial). Steps are ref structs holding
/// references into the caller's rows, so the JIT inlines them into the driver: no delegate, no virtual call per element.
/// </summary>
internal interface IElementwiseStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct;
}

/// <summary>Walks the rows of a 2-D region with the vectors of one <see cref="SimdVariant"/>.</summary>
internal static class ElementwiseDriver
{
    // Compiled fully optimised at first call, not tiered: the first epoch runs at full speed instead of in
    // unoptimised code, and the arithmetic never changes when a method is recompiled. Never inlined into a tiered
    // caller, where PGO's rewrite can run out of inlining budget and turn the vector helpers into calls.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run<T, TStep>(ref TStep step, int rows, int width, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : IElementwiseStep<T>, allows ref struct
    {
        for (nint row = 0; row < rows; row++) RunRow<T, TStep>(ref step, row, width, variant);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void RunRow<T, TStep>(ref TStep step, nint row, int width, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : IElementwiseStep<T>, allows ref struct
    {
        switch (variant)
        {
            case SimdVariant.Vector512: Walk<T, TStep, Vector512Ops<T>, Vector512<T>>(ref step, row, width); break;
            case SimdVariant.Vector256: Walk<T, TStep, Vector256Ops<T>, Vector256<T>>(ref step, row, width); break;
            case SimdVariant.Vector128: Walk<T, TStep, Vector128Ops<T>, Vector128<T>>(ref step, row, width); break;
            default: Walk<T, TStep, ScalarOps<T>, T>(ref step, row, width); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Walk<T, TStep, TOps, TVector>(ref TStep step, nint row, int width)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : IElementwiseStep<T>, allows ref struct
        where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        // Full vectors with a constant lane count, so the partial-lane branches fold away inside the loop; the row's
        // last, partial vector is a separate call.
        int i = 0;
        for (; i <= width - TOps.Count; i += TOps.Count) step.Invoke<TOps, TVector>(row, i, TOps.Count);
        if (i < width) step.Invoke<TOps, TVector>(row, i, width - i);
    }
}
