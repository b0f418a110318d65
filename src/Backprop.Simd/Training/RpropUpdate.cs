using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Simd.Training;

/// <summary>
/// One RPROP step over whole vectors of the flat blocks: iRprop⁻ exactly as <c>torch.optim.Rprop</c> computes it, or
/// iRprop⁺ (Igel &amp; Hüsken 2000), which also undoes the last change of a weight whose gradient changed sign when
/// the loss went up.
/// </summary>
internal static class RpropUpdate
{
    // p, g: padded parameter and gradient blocks; prev: the gradient kept from the last step (zeroed where the sign
    // flipped, as torch's `grad[sign.eq(etaminus)] = 0`); stepSize: per-parameter Δ; change: the last change applied to
    // p (iRprop⁺ only, else empty). Padding lanes have g = prev = 0, so their factor is 1 and they never move.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(Span<Vector<T>> p, ReadOnlySpan<Vector<T>> g, Span<Vector<T>> prev, Span<Vector<T>> stepSize,
        Span<Vector<T>> change, in OptimizerSettings settings, bool plus, bool lossIncreased)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var etaPlus = new Vector<T>(T.CreateTruncating(settings.EtaPlus));
        var etaMinus = new Vector<T>(T.CreateTruncating(settings.EtaMinus));
        var minStep = new Vector<T>(T.CreateTruncating(settings.MinStepSize));
        var maxStep = new Vector<T>(T.CreateTruncating(settings.MaxStepSize));
        bool backtrack = plus && lossIncreased;
        for (int i = 0; i < p.Length; i++)
        {
            Vector<T> grad = g[i];
            Vector<T> product = grad * prev[i];
            Vector<T> flipped = Vector.LessThan(product, Vector<T>.Zero);
            Vector<T> factor = Vector.ConditionalSelect(Vector.GreaterThan(product, Vector<T>.Zero), etaPlus,
                Vector.ConditionalSelect(flipped, etaMinus, Vector<T>.One));
            Vector<T> step = Vector.Min(Vector.Max(stepSize[i] * factor, minStep), maxStep); // torch's clamp_(min, max)
            stepSize[i] = step;
            Vector<T> kept = Vector.ConditionalSelect(flipped, Vector<T>.Zero, grad);
            Vector<T> sign = Vector.ConditionalSelect(Vector.GreaterThan(kept, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero)
                - Vector.ConditionalSelect(Vector.LessThan(kept, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);
            Vector<T> delta = -(sign * step);
            if (backtrack) delta = Vector.ConditionalSelect(flipped, -change[i], delta);
            p[i] += delta;
            if (plus) change[i] = delta;
            prev[i] = kept;
        }
    }
}
