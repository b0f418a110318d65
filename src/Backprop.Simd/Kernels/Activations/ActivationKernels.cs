using System.Numerics;
using System.Runtime.InteropServices;
using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Activation forward and backward passes, fused with the bias add and the error step. Every entry point runs the
/// <see cref="SimdSupport.Active"/> variant; shapes are checked once per call (<see cref="ArgumentException"/> naming the
/// argument and both sizes), and a destination must be exactly its source's memory or disjoint from it.
/// </summary>
public static class ActivationKernels
{
    /// <summary>
    /// <c>z = product + bias</c> (bias broadcast over rows), <c>y = f(z)</c>, in one pass. <paramref name="preActivation"/>
    /// receives z when it is not empty; <paramref name="output"/> may be the same memory as <paramref name="product"/>.
    /// </summary>
    /// <remarks>product: [rows, cols]  bias: [cols]  preActivation: [rows, cols] or empty  output: [rows, cols].</remarks>
    public static void BiasActivationForward<T>(ReadOnlySpan2D<T> product, ReadOnlySpan<T> bias, Activation activation,
        Span2D<T> preActivation, Span2D<T> output) where T : unmanaged, IFloatingPointIeee754<T> =>
        BiasActivationForward(product, bias, activation, preActivation, output, SimdSupport.Active);

    internal static void BiasActivationForward<T>(ReadOnlySpan2D<T> product, ReadOnlySpan<T> bias, Activation activation,
        Span2D<T> preActivation, Span2D<T> output, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.SameShape<T>(product, nameof(product), output, nameof(output));
        Check.Length(product.Width, "the width of product", bias.Length, nameof(bias));
        Check.NoPartialOverlap<T>(product, nameof(product), output, nameof(output));
        if (!preActivation.IsEmpty)
        {
            Check.SameShape<T>(product, nameof(product), preActivation, nameof(preActivation));
            Check.NoPartialOverlap<T>(product, nameof(product), preActivation, nameof(preActivation));
            Check.NoPartialOverlap<T>(preActivation, nameof(preActivation), output, nameof(output));
        }
        new ActivationPass<T>(ActivationPassKind.BiasForward, new(product), new(bias), new(preActivation), new(output),
            product.Height, product.Width, variant).Run(activation);
    }

    /// <summary>
    /// The error step <c>δ ← δ ⊙ f'(·)</c> in place over the product <c>δY·Wᵀ</c>: the derivative comes from the stored
    /// output y where that is exact, else from the stored pre-activation z (which may then be empty).
    /// </summary>
    /// <remarks>output: [rows, cols]  preActivation: [rows, cols] or empty  delta: [rows, cols].</remarks>
    public static void ActivationBackward<T>(ReadOnlySpan2D<T> output, ReadOnlySpan2D<T> preActivation,
        Activation activation, Span2D<T> delta) where T : unmanaged, IFloatingPointIeee754<T> =>
        ActivationBackward(output, preActivation, activation, delta, SimdSupport.Active);

    internal static void ActivationBackward<T>(ReadOnlySpan2D<T> output, ReadOnlySpan2D<T> preActivation,
        Activation activation, Span2D<T> delta, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckDerivativeInputs<T>(output, nameof(output), preActivation, nameof(preActivation), activation, delta, nameof(delta));
        new ActivationPass<T>(ActivationPassKind.Backward, new(preActivation), new(output), default, new(delta),
            delta.Height, delta.Width, variant).Run(activation);
    }

    /// <summary><c>y = f(x)</c> elementwise; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Activation activation, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Forward(x, activation, y, SimdSupport.Active);

    internal static void Forward<T>(ReadOnlySpan<T> x, Activation activation, Span<T> y, SimdVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Length(x.Length, "the length of x", y.Length, nameof(y));
        Check.NoPartialOverlap(AsRow(x), nameof(x), AsRow(y), nameof(y));
        new ActivationPass<T>(ActivationPassKind.Forward, new(x), default, default, new((ReadOnlySpan<T>)y),
            1, x.Length, variant).Run(activation);
    }

    /// <summary>
    /// <c>d = f'(x)</c> elementwise, given x and y = f(x). Only the input the derivative reads must be given: x for the
    /// kinds with <see cref="Activation.DerivativeNeedsPreActivation"/>, else y; the other may be empty.
    /// </summary>
    public static void Derivative<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Activation activation, Span<T> derivative)
        where T : unmanaged, IFloatingPointIeee754<T> => Derivative(x, y, activation, derivative, SimdSupport.Active);

    internal static void Derivative<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Activation activation, Span<T> derivative,
        SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckDerivativeInputs<T>(AsRow(y), nameof(y), AsRow(x), nameof(x), activation, AsRow(derivative), nameof(derivative));
        new ActivationPass<T>(ActivationPassKind.Derivative, new(x), new(y), default, new((ReadOnlySpan<T>)derivative),
            1, derivative.Length, variant).Run(activation);
    }

    private static void CheckDerivativeInputs<T>(ReadOnlySpan2D<T> output, string outputName, ReadOnlySpan2D<T> preActivation,
        string preActivationName, Activation activation, ReadOnlySpan2D<T> destination, string destinationName)
    {
        bool needsZ = activation.DerivativeNeedsPreActivation;
        if (!needsZ || !output.IsEmpty)
        {
            Check.SameShape(destination, destinationName, output, outputName);
            Check.NoPartialOverlap(output, outputName, destination, destinationName);
        }
        if (needsZ || !preActivation.IsEmpty)
        {
            Check.SameShape(destination, destinationName, preActivation, preActivationName);
            Check.NoPartialOverlap<T>(preActivation, preActivationName, destination, destinationName);
        }
    }

    private static ReadOnlySpan2D<T> AsRow<T>(ReadOnlySpan<T> span) =>
        ReadOnlySpan2D<T>.DangerousCreate(in MemoryMarshal.GetReference(span), 1, span.Length, 0);
}
