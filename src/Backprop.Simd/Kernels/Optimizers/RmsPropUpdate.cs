using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>
/// One <c>torch.optim.RMSprop</c> step; states 0, 1 and 2 are PyTorch's square_avg, grad_avg (centred only) and
/// momentum_buffer (momentum only).
/// </summary>
internal readonly struct RmsPropUpdate<T>(double learningRate, double alpha, double epsilon, double weightDecay, double momentum,
    bool centered) : IOptimizerUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TVector, TOps>(OptimizerBlocks<T> blocks) where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        TVector lr = TOps.Broadcast(T.CreateTruncating(learningRate));
        TVector alphaVector = TOps.Broadcast(T.CreateTruncating(alpha));
        TVector oneMinusAlpha = TOps.Broadcast(T.CreateTruncating(1 - alpha));
        TVector decay = TOps.Broadcast(T.CreateTruncating(weightDecay));
        TVector mu = TOps.Broadcast(T.CreateTruncating(momentum));
        TVector eps = TOps.Broadcast(T.CreateTruncating(epsilon));
        bool useDecay = weightDecay != 0, useMomentum = momentum > 0;
        ref T p = ref MemoryMarshal.GetReference(blocks.Parameters);
        ref T g = ref MemoryMarshal.GetReference(blocks.Gradients);
        ref T squareAverage = ref MemoryMarshal.GetReference(blocks.State0);
        ref T gradientAverage = ref MemoryMarshal.GetReference(blocks.State1);
        ref T buffer = ref MemoryMarshal.GetReference(blocks.State2);
        for (nint i = 0; i < blocks.Parameters.Length; i += TOps.Count)
        {
            TVector grad = TOps.Load(in Unsafe.Add(ref g, i));
            TVector pi = TOps.Load(in Unsafe.Add(ref p, i));
            if (useDecay) grad = TOps.Add(grad, TOps.Multiply(pi, decay));
            TVector s = TOps.Add(TOps.Multiply(TOps.Load(in Unsafe.Add(ref squareAverage, i)), alphaVector),
                TOps.Multiply(TOps.Multiply(grad, grad), oneMinusAlpha));
            TOps.Store(s, ref Unsafe.Add(ref squareAverage, i));
            TVector average;
            if (centered)
            {
                TVector a0 = TOps.Load(in Unsafe.Add(ref gradientAverage, i));
                TVector a = TOps.Add(a0, TOps.Multiply(TOps.Subtract(grad, a0), oneMinusAlpha));
                TOps.Store(a, ref Unsafe.Add(ref gradientAverage, i));
                average = TOps.Add(TOps.SquareRoot(TOps.Subtract(s, TOps.Multiply(a, a))), eps);
            }
            else
            {
                average = TOps.Add(TOps.SquareRoot(s), eps);
            }
            TVector change;
            if (useMomentum)
            {
                change = TOps.Add(TOps.Multiply(TOps.Load(in Unsafe.Add(ref buffer, i)), mu), TOps.Divide(grad, average));
                TOps.Store(change, ref Unsafe.Add(ref buffer, i));
            }
            else
            {
                change = TOps.Divide(grad, average);
            }
            TOps.Store(TOps.Subtract(pi, TOps.Multiply(change, lr)), ref Unsafe.Add(ref p, i));
        }
    }
}
