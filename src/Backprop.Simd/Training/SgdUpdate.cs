using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Training;

/// <summary>One <c>torch.optim.SGD</c> step over whole vectors of the flat blocks.</summary>
internal static class SgdUpdate
{
    // p, g, buffer: the padded parameter, gradient and momentum blocks. PyTorch creates the momentum buffer as a copy
    // of the first step's gradient, so dampening does not apply on that step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(Span<Vector<T>> p, ReadOnlySpan<Vector<T>> g, Span<Vector<T>> buffer,
        in OptimizerSettings settings, double learningRate, bool firstStep) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lr = T.CreateTruncating(learningRate);
        T weightDecay = T.CreateTruncating(settings.WeightDecay);
        T momentum = T.CreateTruncating(settings.Momentum);
        T keep = T.CreateTruncating(1 - settings.Dampening);
        bool decay = settings.WeightDecay != 0, useMomentum = settings.Momentum != 0, nesterov = settings.Nesterov;
        for (int i = 0; i < p.Length; i++)
        {
            Vector<T> grad = g[i];
            if (decay) grad += p[i] * weightDecay;
            if (useMomentum)
            {
                Vector<T> b = firstStep ? grad : buffer[i] * momentum + grad * keep;
                buffer[i] = b;
                grad = nesterov ? grad + b * momentum : b;
            }
            p[i] -= grad * lr;
        }
    }
}
