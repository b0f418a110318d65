using Backprop.Simd.Model;
using Backprop.Simd.Randomness;

namespace Backprop.Simd.Tests.Model;

public class InitializationTests
{
    private static readonly Dense[] Layers = [new(64, Activation.Relu), new(32, Activation.Tanh), new(10)];

    [Fact]
    public void Same_seed_gives_bit_identical_parameters_and_another_seed_does_not()
    {
        var a = new Network<float>(100, Layers, seed: 7);
        var b = new Network<float>(100, Layers, seed: 7);
        var c = new Network<float>(100, Layers, seed: 8);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));
    }

    [Fact]
    public void Default_initialisation_is_pytorch_linear_uniform_over_plus_minus_one_over_sqrt_fan_in()
    {
        var network = new Network<double>(100, Layers, seed: 1);
        foreach (DenseLayer layer in network.Layers)
        {
            double bound = 1 / Math.Sqrt(layer.InputSize);
            AssertUniform(network.Parameters.Slice(layer.WeightOffset, layer.WeightCount), bound, $"layer {layer.Index} W");
            AssertUniform(layer.Bias(network.Parameters), bound, $"layer {layer.Index} b", loose: true);
        }
    }

    [Fact]
    public void Kaiming_and_xavier_uniform_use_torch_nn_init_bounds()
    {
        var kaiming = new Network<double>(200, [new Dense(300)], seed: 2, Initialization.KaimingUniform());
        AssertUniform(kaiming.Parameters[..60_000], Math.Sqrt(2) * Math.Sqrt(3.0 / 200), "Kaiming W");
        var xavier = new Network<double>(200, [new Dense(300)], seed: 2, Initialization.XavierUniform(gain: 2));
        AssertUniform(xavier.Parameters[..60_000], 2 * Math.Sqrt(6.0 / 500), "Xavier W");
    }

    [Fact]
    public void Kaiming_and_xavier_normal_have_torch_nn_init_standard_deviations_and_optional_zero_bias()
    {
        var kaiming = new Network<double>(200, [new Dense(300)], seed: 3, Initialization.KaimingNormal(zeroBias: true));
        AssertNormal(kaiming.Parameters[..60_000], Math.Sqrt(2) / Math.Sqrt(200), "Kaiming W");
        Assert.True(kaiming.Bias(0).IndexOfAnyExcept(0.0) < 0, "biases are zero");
        var xavier = new Network<double>(200, [new Dense(300)], seed: 3, Initialization.XavierNormal());
        AssertNormal(xavier.Parameters[..60_000], Math.Sqrt(2.0 / 500), "Xavier W");
    }

    [Fact]
    public void Gains_follow_torch_calculate_gain()
    {
        Assert.Equal(1.0, Initialization.GainFor(Activation.Sigmoid));
        Assert.Equal(5.0 / 3, Initialization.GainFor(Activation.Tanh));
        Assert.Equal(Math.Sqrt(2), Initialization.GainFor(Activation.Relu));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.2 * 0.2)), Initialization.GainFor(Activation.LeakyRelu(0.2)));
        Assert.Throws<ArgumentException>(() => Initialization.GainFor(Activation.Gelu));
    }

    [Fact]
    public void Shuffle_is_a_seeded_permutation()
    {
        int[] a = new int[1000], b = new int[1000];
        Backprop.Simd.Training.MiniBatch.FillSequence(a);
        Backprop.Simd.Training.MiniBatch.FillSequence(b);
        new Xoshiro256StarStar(5).Shuffle<int>(a);
        new Xoshiro256StarStar(5).Shuffle<int>(b);
        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 1000), a);
        Assert.Equal(Enumerable.Range(0, 1000), a.Order());
    }

    [Fact]
    public void Bounded_integers_are_uniform()
    {
        var random = new Xoshiro256StarStar(11);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++) counts[random.NextInt32(6)]++;
        foreach (int count in counts) Assert.InRange(count, 9_500, 10_500);
    }

    private static void AssertUniform(ReadOnlySpan<double> values, double bound, string what, bool loose = false)
    {
        double min = double.MaxValue, max = double.MinValue, sumSquares = 0;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sumSquares += v * v;
        }
        Assert.True(min >= -bound && max <= bound, $"{what}: [{min}, {max}] outside ±{bound}");
        if (loose) return;
        Assert.True(min < -0.95 * bound && max > 0.95 * bound, $"{what}: [{min}, {max}] does not fill ±{bound}");
        // The sample mean of x² for x ~ U(−b, b) has relative standard deviation √(0.8/n); allow four of them.
        double variance = sumSquares / values.Length, expected = bound * bound / 3;
        double tolerance = 4 * Math.Sqrt(0.8 / values.Length);
        Assert.True(Math.Abs(variance / expected - 1) < tolerance, $"{what}: variance {variance} vs {expected} (±{tolerance:P1})");
    }

    private static void AssertNormal(ReadOnlySpan<double> values, double std, string what)
    {
        double sum = 0, sumSquares = 0;
        foreach (double v in values)
        {
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / values.Length, measured = Math.Sqrt(sumSquares / values.Length - mean * mean);
        Assert.True(Math.Abs(mean) < 0.02 * std && Math.Abs(measured / std - 1) < 0.02, $"{what}: mean {mean}, std {measured} vs {std}");
    }
}
