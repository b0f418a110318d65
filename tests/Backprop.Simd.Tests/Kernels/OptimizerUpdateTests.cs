using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Memory;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Kernels;

/// <summary>
/// Every optimizer's update rule gives bit-identical parameters and state in every SIMD variant (the formulas
/// themselves are checked against PyTorch's in OptimizerFormulaTests, on the active variant).
/// </summary>
public class OptimizerUpdateTests
{
    public static TheoryData<string> Optimizers => [.. Settings.Keys];

    private static readonly Dictionary<string, OptimizerSettings> Settings = new()
    {
        ["sgd"] = OptimizerSettings.Sgd(0.1),
        ["sgd momentum nesterov decay"] = OptimizerSettings.Sgd(0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true),
        ["sgd momentum dampening"] = OptimizerSettings.Sgd(0.1, momentum: 0.8, dampening: 0.3),
        ["adam"] = OptimizerSettings.Adam(0.01),
        ["adam decay"] = OptimizerSettings.Adam(0.01, weightDecay: 0.1),
        ["adamw"] = OptimizerSettings.AdamW(0.01, weightDecay: 0.1),
        ["rmsprop"] = OptimizerSettings.RmsProp(0.01),
        ["rmsprop centered momentum decay"] = OptimizerSettings.RmsProp(0.01, momentum: 0.9, centered: true, weightDecay: 0.01),
        ["adagrad"] = OptimizerSettings.Adagrad(0.1, learningRateDecay: 0.01, weightDecay: 0.01),
        ["rprop"] = OptimizerSettings.Rprop(0.01),
        ["irprop+"] = OptimizerSettings.IRpropPlus(0.01),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Update_is_bit_identical_in_every_variant(string optimizer)
    {
        Check<float>(Settings[optimizer]);
        Check<double>(Settings[optimizer]);
    }

    private static void Check<T>(OptimizerSettings settings) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (int length in new[] { 1, 13, 1000, 40_001 })
        {
            (T[] parameters, T[][] state) expected = Run<T>(settings, length, SimdVariant.Scalar);
            foreach (SimdVariant variant in SimdSupport.All)
            {
                (T[] parameters, T[][] state) actual = Run<T>(settings, length, variant);
                Assert.True(expected.parameters.AsSpan().SequenceEqual(actual.parameters), $"{variant} parameters, length {length}");
                for (int b = 0; b < expected.state.Length; b++)
                    Assert.True(expected.state[b].AsSpan().SequenceEqual(actual.state[b]), $"{variant} state {b}, length {length}");
            }
        }
    }

    // Six steps with fresh gradients each (signs flip, so RPROP shrinks and grows its steps), the loss going up and down
    // (iRprop⁺ backtracks).
    private static (T[], T[][]) Run<T>(OptimizerSettings settings, int length, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(length);
        var parameters = new FlatBlock<T>(length);
        var gradients = new FlatBlock<T>(length);
        for (int i = 0; i < length; i++) parameters.Span[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        var state = new OptimizerState<T>(settings, length);
        double[] losses = [3, 2, 2.5, 1, 1.5, 0.5];
        foreach (double loss in losses)
        {
            for (int i = 0; i < length; i++) gradients.Span[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * (i % 7 == 0 ? 1e-3 : 1));
            Assert.True(state.Apply(parameters, gradients, 0.01, loss, pool: null, variant));
        }
        T[][] buffers = [.. Enumerable.Range(0, state.BufferCount).Select(b => state.Buffer(b).ToArray())];
        return (parameters.Span.ToArray(), buffers);
    }
}
