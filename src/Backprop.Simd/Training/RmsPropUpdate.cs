using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Training;

/// <summary>One <c>torch.optim.RMSprop</c> step over whole vectors of the flat blocks.</summary>
internal static class RmsPropUpdate
{
    // p, g: padded parameter and gradient blocks; squareAverage, gradientAverage (centred only) and buffer (momentum
    // only): PyTorch's square_avg, grad_avg and momentum_buffer.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(Span<Vector<T>> p, ReadOnlySpan<Vector<T>> g, Span<Vector<T>> squareAverage,
        Span<Vector<T>> gradientAverage, Span<Vector<T>> buffer, in OptimizerSettings settings, double learningRate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lr = T.CreateTruncating(learningRate);
        T alpha = T.CreateTruncating(settings.Alpha);
        T oneMinusAlpha = T.CreateTruncating(1 - settings.Alpha);
        T weightDecay = T.CreateTruncating(settings.WeightDecay);
        T momentum = T.CreateTruncating(settings.Momentum);
        var epsilon = new Vector<T>(T.CreateTruncating(settings.Epsilon));
        bool decay = settings.WeightDecay != 0, centered = settings.Centered, useMomentum = settings.Momentum > 0;
        for (int i = 0; i < p.Length; i++)
        {
            Vector<T> grad = g[i];
            if (decay) grad += p[i] * weightDecay;
            Vector<T> s = squareAverage[i] * alpha + grad * grad * oneMinusAlpha;
            squareAverage[i] = s;
            Vector<T> average;
            if (centered)
            {
                Vector<T> a = gradientAverage[i] + (grad - gradientAverage[i]) * oneMinusAlpha;
                gradientAverage[i] = a;
                average = Vector.SquareRoot(s - a * a) + epsilon;
            }
            else
            {
                average = Vector.SquareRoot(s) + epsilon;
            }
            if (useMomentum)
            {
                Vector<T> b = buffer[i] * momentum + grad / average;
                buffer[i] = b;
                p[i] -= b * lr;
            }
            else
            {
                p[i] -= grad / average * lr;
            }
        }
    }
}
