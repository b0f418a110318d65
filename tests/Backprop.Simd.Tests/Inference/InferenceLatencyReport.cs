using Backprop.Simd.Inference;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Tests.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Inference;

/// <summary>
/// Latency and throughput of the W1 network (784-256-128-10) under load, printed as README tables. Run on demand:
/// <c>dotnet test tests/Backprop.Simd.Tests -c Release --filter "Category=Report&amp;FullyQualifiedName~Inference" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(nameof(AllocationMeasurements))]
public class InferenceLatencyReport(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Report")]
    [Trait("Category", "Slow")] // 20 s of timed load: kept out of runs that exclude Slow
    public void W1_batch_one_latency_single_threaded_and_under_load()
    {
        var network = new Network<float>(784, InferenceReference.W1, seed: 1);
        FrozenModel<float> model = FrozenModel<float>.From(network);
        var random = new Xoshiro256StarStar(2);
        var inputs = new float[256][];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = InferenceReference.RandomRow(random, 784);

        output.WriteLine("SIMD variant " + SimdSupport.Active + ", " + Environment.ProcessorCount + " cores");
        output.WriteLine("Single thread, 200,000 calls:");
        output.WriteLine(LoadResult.Header);
        output.WriteLine(InferenceLoad.Run(model, 1, TimeSpan.FromSeconds(60), 200_000, inputs).ToString());
        output.WriteLine("Single thread, 200,000 calls, bfloat16 weights:");
        output.WriteLine(LoadResult.Header);
        LoadResult half = InferenceLoad.Run(FrozenModel<float>.From(network, WeightFormat.BFloat16), 1, TimeSpan.FromSeconds(60), 200_000, inputs);
        output.WriteLine(half.ToString());
        Assert.Equal(0, half.BytesAllocated);
        output.WriteLine("");
        output.WriteLine("N threads, 3 s each:");
        output.WriteLine(LoadResult.Header);
        foreach (int threads in new[] { 1, 2, 4, 8 })
        {
            LoadResult result = InferenceLoad.Run(model, threads, TimeSpan.FromSeconds(3), 2_000_000, inputs);
            output.WriteLine(result.ToString());
            Assert.Equal(0, result.BytesAllocated);
        }
    }
}
