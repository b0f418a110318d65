using System.Diagnostics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// A tuning loop for the elementwise kernels at W1's hidden shape [128, 256] and output shape [128, 10]: the best of
/// 15 rounds of 300 calls each, in microseconds — the minimum, because on a shared VM noise only ever adds time. Run two
/// builds one after the other, several times, to compare them.
/// </summary>
public static class ElementwiseQuick
{
    private const int Rows = 128, Width = 256, Classes = 10;

    public static void Run()
    {
        var random = new Random(1);
        float[] product = new float[Rows * Width], z = new float[Rows * Width], y = new float[Rows * Width];
        float[] delta = new float[Rows * Width], bias = new float[Width];
        for (int i = 0; i < product.Length; i++) (product[i], delta[i]) = ((float)random.NextDouble() * 4 - 2, (float)random.NextDouble() - 0.5f);
        float[] logits = new float[Rows * Classes], gradient = new float[Rows * Classes];
        int[] labels = new int[Rows];
        foreach (ActivationKind kind in (ActivationKind[])[ActivationKind.Relu, ActivationKind.Tanh, ActivationKind.Gelu])
        {
            var activation = new Activation(kind);
            double forward = Best(() => ActivationKernels.BiasActivationForward<float>(new Span2D<float>(product, Rows, Width), bias,
                activation, new Span2D<float>(z, Rows, Width), new Span2D<float>(y, Rows, Width)));
            double backward = Best(() => ActivationKernels.ActivationBackward<float>(new Span2D<float>(y, Rows, Width),
                new Span2D<float>(z, Rows, Width), activation, new Span2D<float>(delta, Rows, Width)));
            Console.WriteLine($"{kind,-6} bias+forward {forward,8:F2} µs   backward {backward,8:F2} µs");
        }
        double loss = Best(() => LossKernels.SoftmaxCrossEntropy<float>(new Span2D<float>(logits, Rows, Classes), labels, 0.1f,
            new Span2D<float>(gradient, Rows, Classes)));
        Console.WriteLine($"softmax cross-entropy [128, 10] {loss,8:F2} µs");
    }

    private static double Best(Action work)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 15; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int call = 0; call < 300; call++) work();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / 300);
        }
        return best;
    }
}
