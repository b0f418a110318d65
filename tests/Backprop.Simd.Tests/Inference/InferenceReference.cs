using Backprop.Simd.Model;
using Backprop.Simd.Tests.Kernels;

namespace Backprop.Simd.Tests.Inference;

/// <summary>The forward pass in double, straight from the definition: the oracle for the frozen model.</summary>
internal static class InferenceReference
{
    // x: [in]  parameters: W₀ [in, out] row-major, b₀, W₁, …  →  y: [out], and Σ|terms| of the last layer's products.
    public static double[] Forward(int inputSize, ReadOnlySpan<Dense> layers, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x)
    {
        double[] input = new double[x.Length];
        for (int i = 0; i < x.Length; i++) input[i] = x[i];
        int offset = 0, fanIn = inputSize;
        foreach (Dense layer in layers)
        {
            var output = new double[layer.Units];
            for (int j = 0; j < layer.Units; j++)
            {
                double sum = parameters[offset + fanIn * layer.Units + j];
                for (int i = 0; i < fanIn; i++) sum += input[i] * parameters[offset + i * layer.Units + j];
                output[j] = Reference.Value(layer.Activation, sum);
            }
            offset += (fanIn + 1) * layer.Units;
            fanIn = layer.Units;
            input = output;
        }
        return input;
    }

    public static float[] RandomRow(Randomness.Xoshiro256StarStar random, int length)
    {
        var row = new float[length];
        for (int i = 0; i < length; i++) row[i] = (float)random.NextNormal();
        return row;
    }

    public static Dense[] W1 => [new(256, Activation.Relu), new(128, Activation.Relu), new(10)];

    /// <summary>Odd widths and every kind of activation path: no layer a multiple of any vector width.</summary>
    public static Dense[] Mixed =>
        [new(37, Activation.Gelu), new(33, Activation.Tanh), new(20, Activation.LeakyRelu(0.1)), new(5, Activation.Sigmoid), new(3)];
}
