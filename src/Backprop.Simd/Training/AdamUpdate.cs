using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Training;

/// <summary>One <c>torch.optim.Adam</c> or <c>torch.optim.AdamW</c> step over whole vectors of the flat blocks.</summary>
internal static class AdamUpdate
{
    // p, g: padded parameter and gradient blocks; m, v: exp_avg and exp_avg_sq. step is t ≥ 1. The operations follow
    // PyTorch's single-tensor implementation in order (lerp for m, addcmul for v, ε added after dividing √v by
    // √(1 − β₂ᵗ)) so float results round as PyTorch's do.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(Span<Vector<T>> p, ReadOnlySpan<Vector<T>> g, Span<Vector<T>> m, Span<Vector<T>> v,
        in OptimizerSettings settings, double learningRate, long step, bool decoupled)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double biasCorrection1 = 1 - Math.Pow(settings.Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(settings.Beta2, step);
        T stepSize = T.CreateTruncating(learningRate / biasCorrection1);
        T biasCorrection2Sqrt = T.CreateTruncating(Math.Sqrt(biasCorrection2));
        T oneMinusBeta1 = T.CreateTruncating(1 - settings.Beta1);
        T beta2 = T.CreateTruncating(settings.Beta2);
        T oneMinusBeta2 = T.CreateTruncating(1 - settings.Beta2);
        T weightDecay = T.CreateTruncating(settings.WeightDecay);
        T decayFactor = T.CreateTruncating(1 - learningRate * settings.WeightDecay);
        var epsilon = new Vector<T>(T.CreateTruncating(settings.Epsilon));
        bool coupledDecay = !decoupled && settings.WeightDecay != 0;
        bool decoupledDecay = decoupled && settings.WeightDecay != 0;
        for (int i = 0; i < p.Length; i++)
        {
            Vector<T> grad = g[i];
            if (decoupledDecay) p[i] *= decayFactor;
            if (coupledDecay) grad += p[i] * weightDecay;
            Vector<T> mi = m[i] + (grad - m[i]) * oneMinusBeta1;
            Vector<T> vi = v[i] * beta2 + grad * grad * oneMinusBeta2;
            m[i] = mi;
            v[i] = vi;
            Vector<T> denominator = Vector.SquareRoot(vi) / biasCorrection2Sqrt + epsilon;
            p[i] -= mi / denominator * stepSize;
        }
    }
}
