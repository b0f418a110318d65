using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>Runs an <see cref="IOptimizerUpdate{T}"/> over padded blocks in one <see cref="SimdVariant"/>.</summary>
internal static class OptimizerUpdate
{
    // Compiled fully optimised at first call and never inlined into a tiered caller (see ElementwiseDriver).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run<T, TUpdate>(in TUpdate update, OptimizerBlocks<T> blocks, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> where TUpdate : struct, IOptimizerUpdate<T>
    {
        switch (variant)
        {
            case SimdVariant.Vector512: update.Apply<Vector512<T>, Vector512Ops<T>>(blocks); break;
            case SimdVariant.Vector256: update.Apply<Vector256<T>, Vector256Ops<T>>(blocks); break;
            case SimdVariant.Vector128: update.Apply<Vector128<T>, Vector128Ops<T>>(blocks); break;
            default: update.Apply<T, ScalarOps<T>>(blocks); break;
        }
    }
}
