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

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void An_update_cut_into_shards_as_data_parallel_ranks_apply_it_is_bit_identical_to_the_whole(string optimizer)
    {
        foreach (int length in new[] { 1, 13, 1000, 40_001 })
        {
            foreach (int shards in new[] { 2, 3 })
            {
                (float[] parameters, float[][] state) whole = Run<float>(Settings[optimizer], length, SimdSupport.Active);
                (float[] parameters, float[][] state) cut = RunSharded(Settings[optimizer], length, shards);
                Assert.True(whole.parameters.AsSpan().SequenceEqual(cut.parameters), $"parameters, length {length}, {shards} shards");
                for (int b = 0; b < whole.state.Length; b++)
                    Assert.True(whole.state[b].AsSpan().SequenceEqual(cut.state[b]), $"state {b}, length {length}, {shards} shards");
            }
        }
    }

    // Run's six steps, each rank r of `shards` updating only its granule-aligned piece of the padded block with its own
    // state, from its own copy of the gradients; the pieces are then put together, as the all-gathers do.
    private static (float[], float[][]) RunSharded(OptimizerSettings settings, int length, int shards)
    {
        int padded = FlatBlock<float>.PaddedLength(length), granules = padded / FlatBlock<float>.Granule;
        var parameters = new FlatBlock<float>[shards];
        var states = new OptimizerState<float>[shards];
        for (int r = 0; r < shards; r++)
        {
            var random = new Random(length);
            parameters[r] = new FlatBlock<float>(length);
            for (int i = 0; i < length; i++) parameters[r].Span[i] = (float)(random.NextDouble() * 2 - 1);
            states[r] = new OptimizerState<float>(settings, length);
        }
        var gradientRandom = new Random(length);
        for (int i = 0; i < length; i++) gradientRandom.NextDouble(); // the draws Run spends on the parameters
        var gradients = new FlatBlock<float>(length);
        double[] losses = [3, 2, 2.5, 1, 1.5, 0.5];
        foreach (double loss in losses)
        {
            for (int i = 0; i < length; i++) gradients.Span[i] = (float)((gradientRandom.NextDouble() * 2 - 1) * (i % 7 == 0 ? 1e-3 : 1));
            for (int r = 0; r < shards; r++)
            {
                int start = granules * r / shards * FlatBlock<float>.Granule, end = granules * (r + 1) / shards * FlatBlock<float>.Granule;
                Assert.True(states[r].ApplyRange(parameters[r], gradients.Storage.AsSpan(start, end - start), start, end - start, 0.01, loss,
                    pool: null, SimdSupport.Active));
            }
        }
        var joined = new float[length];
        var buffers = new float[states[0].BufferCount][];
        for (int b = 0; b < buffers.Length; b++) buffers[b] = new float[length];
        for (int r = 0; r < shards; r++)
        {
            int start = granules * r / shards * FlatBlock<float>.Granule, end = Math.Min(length, granules * (r + 1) / shards * FlatBlock<float>.Granule);
            if (end <= start) continue;
            parameters[r].Span[start..end].CopyTo(joined.AsSpan(start));
            for (int b = 0; b < buffers.Length; b++) states[r].Buffer(b)[start..end].CopyTo(buffers[b].AsSpan(start));
        }
        return (joined, buffers);
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
