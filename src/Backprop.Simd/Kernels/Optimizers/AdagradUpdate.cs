using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>One <c>torch.optim.Adagrad</c> step t ≥ 1; state 0 is PyTorch's state_sum.</summary>
internal readonly struct AdagradUpdate<T>(double learningRate, double learningRateDecay, double epsilon, double weightDecay, long step)
    : IOptimizerUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TVector, TOps>(OptimizerBlocks<T> blocks) where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        TVector clr = TOps.Broadcast(T.CreateTruncating(learningRate / (1 + (step - 1) * learningRateDecay)));
        TVector decay = TOps.Broadcast(T.CreateTruncating(weightDecay));
        TVector eps = TOps.Broadcast(T.CreateTruncating(epsilon));
        bool useDecay = weightDecay != 0;
        ref T p = ref MemoryMarshal.GetReference(blocks.Parameters);
        ref T g = ref MemoryMarshal.GetReference(blocks.Gradients);
        ref T sum = ref MemoryMarshal.GetReference(blocks.State0);
        for (nint i = 0; i < blocks.Parameters.Length; i += TOps.Count)
        {
            TVector grad = TOps.Load(in Unsafe.Add(ref g, i));
            TVector pi = TOps.Load(in Unsafe.Add(ref p, i));
            if (useDecay) grad = TOps.Add(grad, TOps.Multiply(pi, decay));
            TVector s = TOps.Add(TOps.Load(in Unsafe.Add(ref sum, i)), TOps.Multiply(grad, grad));
            TOps.Store(s, ref Unsafe.Add(ref sum, i));
            TOps.Store(TOps.Subtract(pi, TOps.Multiply(TOps.Divide(grad, TOps.Add(TOps.SquareRoot(s), eps)), clr)), ref Unsafe.Add(ref p, i));
        }
    }
}
