using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Training;

/// <summary>One <c>torch.optim.Adagrad</c> step over whole vectors of the flat blocks.</summary>
internal static class AdagradUpdate
{
    // p, g: padded parameter and gradient blocks; sum: PyTorch's state_sum. step is t ≥ 1.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(Span<Vector<T>> p, ReadOnlySpan<Vector<T>> g, Span<Vector<T>> sum,
        in OptimizerSettings settings, double learningRate, long step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T clr = T.CreateTruncating(learningRate / (1 + (step - 1) * settings.LearningRateDecay));
        T weightDecay = T.CreateTruncating(settings.WeightDecay);
        var epsilon = new Vector<T>(T.CreateTruncating(settings.Epsilon));
        bool decay = settings.WeightDecay != 0;
        for (int i = 0; i < p.Length; i++)
        {
            Vector<T> grad = g[i];
            if (decay) grad += p[i] * weightDecay;
            Vector<T> s = sum[i] + grad * grad;
            sum[i] = s;
            p[i] -= grad / (Vector.SquareRoot(s) + epsilon) * clr;
        }
    }
}
