using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>
/// One <c>torch.optim.Adam</c> or, <c>decoupled</c>, <c>torch.optim.AdamW</c> step t ≥ 1; states 0 and 1 are exp_avg and
/// exp_avg_sq. The operations follow PyTorch's single-tensor implementation in order (lerp for m, addcmul for v, ε
/// added after dividing √v by √(1 − β₂ᵗ)) so float results round as PyTorch's do.
/// </summary>
internal readonly struct AdamUpdate<T>(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
    long step, bool decoupled) : IOptimizerUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TVector, TOps>(OptimizerBlocks<T> blocks) where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        TVector stepSize = TOps.Broadcast(T.CreateTruncating(learningRate / (1 - Math.Pow(beta1, step))));
        TVector biasCorrection2Sqrt = TOps.Broadcast(T.CreateTruncating(Math.Sqrt(1 - Math.Pow(beta2, step))));
        TVector oneMinusBeta1 = TOps.Broadcast(T.CreateTruncating(1 - beta1));
        TVector beta2Vector = TOps.Broadcast(T.CreateTruncating(beta2));
        TVector oneMinusBeta2 = TOps.Broadcast(T.CreateTruncating(1 - beta2));
        TVector decay = TOps.Broadcast(T.CreateTruncating(weightDecay));
        TVector decayFactor = TOps.Broadcast(T.CreateTruncating(1 - learningRate * weightDecay));
        TVector eps = TOps.Broadcast(T.CreateTruncating(epsilon));
        bool coupledDecay = !decoupled && weightDecay != 0, decoupledDecay = decoupled && weightDecay != 0;
        ref T p = ref MemoryMarshal.GetReference(blocks.Parameters);
        ref T g = ref MemoryMarshal.GetReference(blocks.Gradients);
        ref T m = ref MemoryMarshal.GetReference(blocks.State0);
        ref T v = ref MemoryMarshal.GetReference(blocks.State1);
        for (nint i = 0; i < blocks.Parameters.Length; i += TOps.Count)
        {
            TVector grad = TOps.Load(in Unsafe.Add(ref g, i));
            TVector pi = TOps.Load(in Unsafe.Add(ref p, i));
            if (decoupledDecay) pi = TOps.Multiply(pi, decayFactor);
            if (coupledDecay) grad = TOps.Add(grad, TOps.Multiply(pi, decay));
            TVector m0 = TOps.Load(in Unsafe.Add(ref m, i));
            TVector mi = TOps.Add(m0, TOps.Multiply(TOps.Subtract(grad, m0), oneMinusBeta1));
            TVector vi = TOps.Add(TOps.Multiply(TOps.Load(in Unsafe.Add(ref v, i)), beta2Vector),
                TOps.Multiply(TOps.Multiply(grad, grad), oneMinusBeta2));
            TOps.Store(mi, ref Unsafe.Add(ref m, i));
            TOps.Store(vi, ref Unsafe.Add(ref v, i));
            TVector denominator = TOps.Add(TOps.Divide(TOps.SquareRoot(vi), biasCorrection2Sqrt), eps);
            TOps.Store(TOps.Subtract(pi, TOps.Multiply(TOps.Divide(mi, denominator), stepSize)), ref Unsafe.Add(ref p, i));
        }
    }
}
