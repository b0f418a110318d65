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
    // The bias and activation run as the product's epilogue: each thread finishes its own part of Y while it is in cache.
    internal static unsafe void Forward<T>(ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w, ReadOnlySpan<T> bias, Activation activation,
        Span2D<T> z, Span2D<T> y, WorkerPool? pool) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* py = &y.DangerousGetReference(), pz = &z.DangerousGetReference(), pb = bias)
        {
            var epilogue = new BiasActivationEpilogue<T>(View(py, y), pb, z.IsEmpty ? default : View(pz, z), activation);
            MatMul.Multiply(SimdSupport.Active, x, w, y, accumulate: false, pool, epilogue);
        }
    }

    // δ = ∂L/∂Z: [b, out]  X: [b, in]  W: [in, out]  ∂W: [in, out]  ∂b: [out]
    // δX: [b, in] or empty; receives δ·Wᵀ = ∂L/∂X, times f' of the layer below when X is that layer's output
    // (inputActivation its f, inputPreActivation its z or empty; Identity for the network's input), as the product's
    // epilogue, so δX comes out as that layer's δ.
    internal static unsafe void Backward<T>(ReadOnlySpan2D<T> delta, ReadOnlySpan2D<T> x, ReadOnlySpan2D<T> w,
        Span2D<T> weightGradient, Span<T> biasGradient, Span2D<T> inputError, Activation inputActivation,
        ReadOnlySpan2D<T> inputPreActivation, WorkerPool? pool)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MatMul.MultiplyTransposedA(x, delta, weightGradient, accumulate: false, pool);
        Reductions.ColumnSums(delta, biasGradient);
        if (inputError.IsEmpty) return;
        if (inputActivation.Kind == ActivationKind.Identity)
        {
            MatMul.MultiplyTransposedB(delta, w, inputError, accumulate: false, pool);
            return;
        }

        fixed (T* pd = &inputError.DangerousGetReference(), py = &x.DangerousGetReference(), pz = &inputPreActivation.DangerousGetReference())
        {
            var epilogue = new ActivationBackwardEpilogue<T>(View(pd, inputError), View(py, x),
                inputPreActivation.IsEmpty ? default : View(pz, inputPreActivation), inputActivation);
            MatMul.MultiplyTransposedB(SimdSupport.Active, delta, w, inputError, accumulate: false, pool, epilogue);
        }
    }

    private static unsafe MatrixView<T> View<T>(T* origin, ReadOnlySpan2D<T> span) where T : unmanaged =>
        new(origin, Check.Stride(span), 1);
}
