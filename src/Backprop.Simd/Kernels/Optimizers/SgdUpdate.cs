using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>
/// One <c>torch.optim.SGD</c> step. State 0 is the momentum buffer, which PyTorch creates as a copy of the first
/// step's gradient, so dampening does not apply on that step.
/// </summary>
internal readonly struct SgdUpdate<T>(double learningRate, double weightDecay, double momentum, double dampening, bool nesterov,
    bool firstStep) : IOptimizerUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TVector, TOps>(OptimizerBlocks<T> blocks) where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        TVector lr = TOps.Broadcast(T.CreateTruncating(learningRate));
        TVector decay = TOps.Broadcast(T.CreateTruncating(weightDecay));
        TVector mu = TOps.Broadcast(T.CreateTruncating(momentum));
        TVector keep = TOps.Broadcast(T.CreateTruncating(1 - dampening));
        bool useDecay = weightDecay != 0, useMomentum = momentum != 0;
        ref T p = ref MemoryMarshal.GetReference(blocks.Parameters);
        ref T g = ref MemoryMarshal.GetReference(blocks.Gradients);
        ref T buffer = ref MemoryMarshal.GetReference(blocks.State0);
        for (nint i = 0; i < blocks.Parameters.Length; i += TOps.Count)
        {
            TVector grad = TOps.Load(in Unsafe.Add(ref g, i));
            TVector pi = TOps.Load(in Unsafe.Add(ref p, i));
            if (useDecay) grad = TOps.Add(grad, TOps.Multiply(pi, decay));
            if (useMomentum)
            {
                TVector b = firstStep ? grad
                    : TOps.Add(TOps.Multiply(TOps.Load(in Unsafe.Add(ref buffer, i)), mu), TOps.Multiply(grad, keep));
                TOps.Store(b, ref Unsafe.Add(ref buffer, i));
                grad = nesterov ? TOps.Add(grad, TOps.Multiply(b, mu)) : b;
            }
            TOps.Store(TOps.Subtract(pi, TOps.Multiply(grad, lr)), ref Unsafe.Add(ref p, i));
        }
    }
}
