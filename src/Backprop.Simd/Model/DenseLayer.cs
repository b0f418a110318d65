using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Model;

/// <summary>
/// One dense layer <c>y = f(x·W + b)</c> as a view: its shape, its activation and where its weights <c>W: [in, out]</c>
/// (row-major) and bias <c>b: [out]</c> sit inside the network's flat parameter block. The same offsets locate the
/// layer's gradients and optimizer state in their own blocks.
/// </summary>
public readonly record struct DenseLayer
{
    internal DenseLayer(int index, int inputSize, int units, Activation activation, int weightOffset)
    {
        Index = index;
        InputSize = inputSize;
        Units = units;
        Activation = activation;
        WeightOffset = weightOffset;
    }

    /// <summary>The position of the layer, 0 for the first (input-side) layer.</summary>
    public int Index { get; }

    /// <summary>The number of inputs (rows of W).</summary>
    public int InputSize { get; }

    /// <summary>The number of outputs (columns of W).</summary>
    public int Units { get; }

    /// <summary>The nonlinearity applied after the bias.</summary>
    public Activation Activation { get; }

    /// <summary>The offset of <c>W[0, 0]</c> in any block laid out like the parameters.</summary>
    public int WeightOffset { get; }

    /// <summary>The number of weights, <c>InputSize·Units</c>.</summary>
    public int WeightCount => InputSize * Units;

    /// <summary>The offset of <c>b[0]</c>; the bias follows the weights directly.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    /// <summary>The number of parameters of the layer, weights and bias together.</summary>
    public int ParameterCount => WeightCount + Units;

    /// <summary>This layer's <c>W: [InputSize, Units]</c> inside <paramref name="block"/> (parameters, gradients or state).</summary>
    public Span2D<T> Weights<T>(Span<T> block) => block.Slice(WeightOffset, WeightCount).AsSpan2D(InputSize, Units);

    /// <summary>This layer's <c>b: [Units]</c> inside <paramref name="block"/>.</summary>
    public Span<T> Bias<T>(Span<T> block) => block.Slice(BiasOffset, Units);

    // The layer's whole arithmetic is these two functions, so a fused or packed product can replace MatMul here alone.

    // X: [b, in]  W: [in, out]  bias: [out]  Z: [b, out] or empty  Y: [b, out]
    internal static void Forward<T>(ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, ReadOnlySpan<T> bias, Activation activation,
        Span2D<T> z, Span2D<T> y, WorkerPool? pool) where T : unmanaged, IFloatingPointIeee754<T>
    {
        MatMul.Multiply(x, w, y, accumulate: false, pool);
        ActivationKernels.BiasActivationForward(y, bias, activation, z, y);
    }

    // δ = ∂L/∂Z: [b, out]  X: [b, in]  W: [in, out]  ∂W: [in, out]  ∂b: [out]
    // δX: [b, in] or empty; receives δ·Wᵀ = ∂L/∂X, which the previous layer then multiplies by its own f'.
    internal static void Backward<T>(ReadOnlySpan2D<T> delta, ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w,
        Span2D<T> weightGradient, Span<T> biasGradient, Span2D<T> inputError, WorkerPool? pool)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MatMul.MultiplyTransposedA(x, delta, weightGradient, accumulate: false, pool);
        Reductions.ColumnSums(delta, biasGradient);
        if (!inputError.IsEmpty) MatMul.MultiplyTransposedB(delta, w, inputError, accumulate: false, pool);
    }
}
