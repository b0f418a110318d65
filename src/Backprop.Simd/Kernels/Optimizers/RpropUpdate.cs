using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels.Optimizers;

/// <summary>
/// One RPROP step: iRprop⁻ exactly as <c>torch.optim.Rprop</c> computes it, or iRprop⁺ (Igel &amp; Hüsken 2000), which
/// also undoes the last change of a weight whose gradient changed sign when the loss went up. State 0 is the gradient
/// kept from the last step (zeroed where the sign flipped, as torch's <c>grad[sign.eq(etaminus)] = 0</c>), state 1 the
/// per-parameter Δ, state 2 the last change applied (iRprop⁺ only). Padding lanes have g = prev = 0, so their factor is
/// 1 and they never move.
/// </summary>
internal readonly struct RpropUpdate<T>(double etaMinus, double etaPlus, double minStepSize, double maxStepSize, bool plus,
    bool lossIncreased) : IOptimizerUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<TVector, TOps>(OptimizerBlocks<T> blocks) where TVector : struct where TOps : IVectorOps<TVector, T>
    {
        TVector etaPlusVector = TOps.Broadcast(T.CreateTruncating(etaPlus));
        TVector etaMinusVector = TOps.Broadcast(T.CreateTruncating(etaMinus));
        TVector minStep = TOps.Broadcast(T.CreateTruncating(minStepSize));
        TVector maxStep = TOps.Broadcast(T.CreateTruncating(maxStepSize));
        TVector zero = TOps.Zero, one = TOps.Broadcast(T.One);
        bool backtrack = plus && lossIncreased;
        ref T p = ref MemoryMarshal.GetReference(blocks.Parameters);
        ref T g = ref MemoryMarshal.GetReference(blocks.Gradients);
        ref T prev = ref MemoryMarshal.GetReference(blocks.State0);
        ref T stepSize = ref MemoryMarshal.GetReference(blocks.State1);
        ref T change = ref MemoryMarshal.GetReference(blocks.State2);
        for (nint i = 0; i < blocks.Parameters.Length; i += TOps.Count)
        {
            TVector grad = TOps.Load(in Unsafe.Add(ref g, i));
            TVector product = TOps.Multiply(grad, TOps.Load(in Unsafe.Add(ref prev, i)));
            TVector flipped = TOps.LessThan(product, zero);
            TVector factor = TOps.ConditionalSelect(TOps.GreaterThan(product, zero), etaPlusVector,
                TOps.ConditionalSelect(flipped, etaMinusVector, one));
            // torch's clamp_(min, max)
            TVector step = TOps.Min(TOps.Max(TOps.Multiply(TOps.Load(in Unsafe.Add(ref stepSize, i)), factor), minStep), maxStep);
            TOps.Store(step, ref Unsafe.Add(ref stepSize, i));
            TVector kept = TOps.ConditionalSelect(flipped, zero, grad);
            TVector sign = TOps.Subtract(TOps.ConditionalSelect(TOps.GreaterThan(kept, zero), one, zero),
                TOps.ConditionalSelect(TOps.LessThan(kept, zero), one, zero));
            TVector delta = TOps.Negate(TOps.Multiply(sign, step));
            if (backtrack) delta = TOps.ConditionalSelect(flipped, TOps.Negate(TOps.Load(in Unsafe.Add(ref change, i))), delta);
            TOps.Store(TOps.Add(TOps.Load(in Unsafe.Add(ref p, i)), delta), ref Unsafe.Add(ref p, i));
            if (plus) TOps.Store(delta, ref Unsafe.Add(ref change, i));
            TOps.Store(kept, ref Unsafe.Add(ref prev, i));
        }
    }
}
