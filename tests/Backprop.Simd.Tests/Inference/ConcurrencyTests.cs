using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Tests.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Inference;

/// <summary>One W1 model shared by eight threads, each with its own session, checked against single-threaded results.</summary>
[Collection(nameof(AllocationMeasurements))]
public class ConcurrencyTests(ITestOutputHelper output)
{
    private const int Threads = 8, DistinctInputs = 1024;

    [Fact]
    public void Eight_threads_sharing_a_model_predict_the_single_threaded_bits_without_allocating() => Run(10_000);

    [Fact]
    [Trait("Category", "Slow")]
    public void Eight_threads_times_100_000_predictions_match_single_threaded_bits_without_allocating() => Run(100_000);

    private void Run(int predictionsPerThread)
    {
        var network = new Network<float>(784, InferenceReference.W1, seed: 21);
        FrozenModel<float> model = FrozenModel<float>.From(network);
        var random = new Xoshiro256StarStar(22);
        var inputs = new float[DistinctInputs][];
        var expected = new float[DistinctInputs][];
        InferenceSession<float> reference = model.CreateSession();
        for (int i = 0; i < DistinctInputs; i++)
        {
            inputs[i] = InferenceReference.RandomRow(random, 784);
            expected[i] = reference.Predict(inputs[i]).ToArray();
        }

        var warmOutput = new float[10];
        SteadyState.AllocatedBytes(i => reference.Predict(inputs[i % DistinctInputs], warmOutput), calls: 10_000); // tier-up done before the threads start

        var mismatches = new long[Threads];
        var allocated = new long[Threads];
        int ready = 0;
        using var start = new ManualResetEventSlim();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                InferenceSession<float> session = model.CreateSession();
                var result = new float[10];
                session.Predict(inputs[id], result); // warm the thread before measuring it
                Interlocked.Increment(ref ready);
                start.Wait();
                long before = GC.GetAllocatedBytesForCurrentThread();
                // A different odd stride per thread so that threads do not walk the inputs in step.
                for (int i = 0, row = id; i < predictionsPerThread; i++, row = (row + 2 * id + 1) % DistinctInputs)
                {
                    session.Predict(inputs[row], result);
                    if (!result.AsSpan().SequenceEqual(expected[row])) mismatches[id]++;
                }
                allocated[id] = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            threads[t].Start();
        }
        while (Volatile.Read(ref ready) < Threads) Thread.Sleep(1);
        int gen0Before = GC.CollectionCount(0);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        start.Set();
        foreach (Thread thread in threads) thread.Join();
        TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        int gen0 = GC.CollectionCount(0) - gen0Before;

        output.WriteLine(Threads + " threads × " + predictionsPerThread + " predictions in " + elapsed.TotalSeconds.ToString("F2")
            + " s; mismatches per thread " + string.Join(", ", mismatches) + "; bytes per thread " + string.Join(", ", allocated)
            + "; gen-0 collections " + gen0);
        Assert.All(mismatches, m => Assert.Equal(0, m));
        Assert.All(allocated, bytes => Assert.Equal(0, bytes));
        Assert.Equal(0, gen0);
    }
}
