using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Benchmarks;

/// <summary>Activation forward/backward at the W1 hidden shape [128, 256] and the loss at the output shape [128, 10].</summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private readonly float[] product = new float[128 * 256], preActivation = new float[128 * 256], output = new float[128 * 256];
    private readonly float[] delta = new float[128 * 256], bias = new float[256], logits = new float[128 * 10], gradient = new float[128 * 10];
    private readonly int[] labels = new int[128];

    [Params(ActivationKind.Relu, ActivationKind.Sigmoid, ActivationKind.Tanh, ActivationKind.Gelu)]
    public ActivationKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (int i = 0; i < product.Length; i++) (product[i], delta[i]) = ((float)random.NextDouble() * 4 - 2, (float)random.NextDouble() - 0.5f);
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble() * 10 - 5;
        for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(10);
    }

    [Benchmark]
    public void BiasActivationForward() => ActivationKernels.BiasActivationForward<float>(new Span2D<float>(product, 128, 256), bias,
        new Activation(Kind), new Span2D<float>(preActivation, 128, 256), new Span2D<float>(output, 128, 256));

    [Benchmark]
    public void ActivationBackward() => ActivationKernels.ActivationBackward<float>(new Span2D<float>(output, 128, 256),
        new Span2D<float>(preActivation, 128, 256), new Activation(Kind), new Span2D<float>(delta, 128, 256));

    [Benchmark]
    public float SoftmaxCrossEntropy() => LossKernels.SoftmaxCrossEntropy<float>(new Span2D<float>(logits, 128, 10), labels, 0.1f,
        new Span2D<float>(gradient, 128, 10));
}
