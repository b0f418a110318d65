using Backprop.Simd.Data;
using Backprop.Simd.Hosting;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Serve;

/// <summary>The dynamic batcher without HTTP: concurrent callers are coalesced, and each gets exactly its own rows.</summary>
public class DynamicBatcherTests
{
    private static InferRequest RequestOf(Dataset digits, int first, int rows)
    {
        float[] values = RequestBuffers<float>.Rent(rows * digits.FeatureCount);
        for (int row = 0; row < rows; row++) digits.Row(first + row).CopyTo(values.AsSpan(row * digits.FeatureCount));
        return new InferRequest(null, values, rows, digits.FeatureCount);
    }

    [Fact]
    public async Task Concurrent_requests_share_batches_and_each_gets_its_own_rows()
    {
        using var folder = new TempFolder();
        string path = ServeModelFile.Save(folder);
        Dataset digits = Datasets.Digits();
        var model = new PublishedModel<float>(FrozenModel<float>.From(NativeModelFormat.Load<float>(path)));
        InferenceSession<float> oracle = ServeModelFile.Oracle(path);
        // A long delay (20 ms) so that on a loaded machine the callers still arrive within one batch's wait.
        using var metrics = new ServingMetrics();
        var counts = new ModelMetrics("test", metrics);
        using var batcher = new DynamicBatcher(model, maxRows: 8, maxQueueDelayMicroseconds: 20_000, counts);

        // The callers enqueue back to back (no thread per caller: a pool starved by blocked threads would take seconds).
        const int Callers = 24;
        var requests = new InferRequest[Callers];
        var outputs = new float[Callers][];
        var answers = new Task[Callers];
        for (int caller = 0; caller < Callers; caller++)
        {
            requests[caller] = RequestOf(digits, caller * 7, 1 + caller % 3);
            outputs[caller] = new float[requests[caller].Rows * ServeModelFile.Outputs];
        }
        for (int caller = 0; caller < Callers; caller++) answers[caller] = batcher.PredictAsync(requests[caller], outputs[caller]).AsTask();
        await Task.WhenAll(answers);

        for (int caller = 0; caller < Callers; caller++)
        {
            for (int row = 0; row < requests[caller].Rows; row++)
                Assert.Equal(oracle.Predict(digits.Row(caller * 7 + row)).ToArray(),
                    outputs[caller].AsSpan(row * ServeModelFile.Outputs, ServeModelFile.Outputs).ToArray());
            requests[caller].Dispose();
        }
        Assert.Equal(Callers, batcher.Requests);
        Assert.True(batcher.Batches < Callers, batcher.Batches + " batches for " + Callers + " requests: nothing was coalesced");
        // The batch-size histogram counts passes, not requests: one sample per batch, its rows summed.
        Assert.Equal(batcher.Batches, BatchPasses(counts));
        Assert.Equal(requests.Sum(request => (long)request.Rows), counts.PredictedRows);
        Assert.Equal(counts.PredictedRows, counts.BatchRows.Sum);
    }

    [Fact]
    public async Task Pooled_items_reused_under_concurrent_load_give_every_caller_exactly_its_own_rows()
    {
        using var folder = new TempFolder();
        string path = ServeModelFile.Save(folder);
        Dataset digits = Datasets.Digits();
        var model = new PublishedModel<float>(FrozenModel<float>.From(NativeModelFormat.Load<float>(path)));
        InferenceSession<float> oracle = ServeModelFile.Oracle(path);
        float[][] expected = Enumerable.Range(0, digits.SampleCount).Select(row => oracle.Predict(digits.Row(row)).ToArray()).ToArray();
        using var metrics = new ServingMetrics();
        using var batcher = new DynamicBatcher(model, maxRows: 8, maxQueueDelayMicroseconds: 200, new ModelMetrics("test", metrics));

        // Each caller awaits one request before sending the next, so the batcher's items go back to its pool and are
        // handed to other callers while batches are still running: a mixed-up item would give a caller another's rows.
        const int Callers = 16, RequestsEach = 150;
        int[] wrong = new int[Callers];
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (int request = 0; request < RequestsEach; request++)
            {
                int rows = 1 + (caller + request) % 3, first = (caller * RequestsEach + request) * 7 % (digits.SampleCount - rows);
                using InferRequest input = RequestOf(digits, first, rows);
                float[] outputs = new float[rows * ServeModelFile.Outputs];
                await batcher.PredictAsync(input, outputs);
                for (int row = 0; row < rows; row++)
                    if (!expected[first + row].AsSpan().SequenceEqual(outputs.AsSpan(row * ServeModelFile.Outputs, ServeModelFile.Outputs))) wrong[caller]++;
            }
        })));

        Assert.Equal(new int[Callers], wrong);
        Assert.Equal(Callers * RequestsEach, batcher.Requests);
        Assert.True(batcher.Batches < batcher.Requests, batcher.Batches + " batches for " + batcher.Requests + " requests: nothing was coalesced");
    }

    [Fact]
    public async Task A_request_larger_than_a_batch_is_predicted_alone()
    {
        using var folder = new TempFolder();
        string path = ServeModelFile.Save(folder);
        Dataset digits = Datasets.Digits();
        var model = new PublishedModel<float>(FrozenModel<float>.From(NativeModelFormat.Load<float>(path)));
        using var metrics = new ServingMetrics();
        var counts = new ModelMetrics("test", metrics);
        using var batcher = new DynamicBatcher(model, maxRows: 4, maxQueueDelayMicroseconds: 100, counts);
        using InferRequest request = RequestOf(digits, 10, 9);
        var outputs = new float[9 * ServeModelFile.Outputs];
        await batcher.PredictAsync(request, outputs);
        InferenceSession<float> oracle = ServeModelFile.Oracle(path);
        Assert.Equal(oracle.Predict(digits.Row(18)).ToArray(), outputs.AsSpan(8 * ServeModelFile.Outputs).ToArray());
        Assert.Equal(1, batcher.Batches);
        Assert.Equal(9, counts.PredictedRows);
        Assert.Equal(1, counts.BatchRows.BucketCount(4)); // 9 rows fall in the bucket up to 16
    }

    [Fact]
    public async Task A_lone_request_on_an_idle_model_completes_on_the_callers_thread()
    {
        using Fixture fixture = new(maxRows: 8, maxQueueDelayMicroseconds: 1_000);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using InferRequest request = RequestOf(fixture.Digits, 5 + attempt, 2);
            var outputs = new float[2 * ServeModelFile.Outputs];
            ValueTask answer = fixture.Batcher.PredictAsync(request, outputs);
            Assert.True(answer.IsCompleted, "attempt " + attempt + ": a lone request waited for a pass it could have led");
            await answer;
            for (int row = 0; row < 2; row++)
                Assert.Equal(fixture.Expected[5 + attempt + row], outputs.AsSpan(row * ServeModelFile.Outputs, ServeModelFile.Outputs).ToArray());
            Thread.Sleep(200); // idle again: far longer than a pass, so the next request leads at once
        }
        Assert.Equal(3, fixture.Batcher.Batches);
    }

    [Fact]
    public async Task A_lone_request_waits_for_the_next_request_of_another_active_client_not_for_the_whole_delay()
    {
        // A 5 s delay: the test fails by taking it, not by a race.
        using Fixture fixture = new(maxRows: 8, maxQueueDelayMicroseconds: 5_000_000);
        using InferRequest input = RequestOf(fixture.Digits, 4, 1);
        float[] first = new float[ServeModelFile.Outputs], waiting = new float[ServeModelFile.Outputs], next = new float[ServeModelFile.Outputs];
        // Client 2 is active from here, and four lone passes in a row make the next lone pass wait for another client.
        for (int request = 0; request < 4; request++) await fixture.Batcher.PredictAsync(input, first, client: 2);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var lone = new Thread(() => WaitFor(fixture.Batcher.PredictAsync(input, waiting, client: 1)));
        lone.Start();
        Thread.Sleep(500); // client 1's pass is waiting by now: client 2 sent a request a moment ago
        await fixture.Batcher.PredictAsync(input, next, client: 2);
        Assert.True(lone.Join(TimeSpan.FromSeconds(30)), "the lone request hung");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), "the lone request waited out the delay: " + stopwatch.Elapsed);
        Assert.Equal(5, fixture.Batcher.Batches); // client 2's first four alone, then client 1's with client 2's next
        Assert.Equal(fixture.Expected[4], waiting);
        Assert.Equal(fixture.Expected[4], next);
    }

    [Fact]
    public async Task A_lone_request_does_not_wait_for_a_client_that_has_gone_quiet()
    {
        // Active means a request within ten delays (10 ms here); client 2's last was 200 ms ago.
        using Fixture fixture = new(maxRows: 8, maxQueueDelayMicroseconds: 1_000);
        using InferRequest input = RequestOf(fixture.Digits, 6, 1);
        float[] outputs = new float[ServeModelFile.Outputs];
        for (int request = 0; request < 4; request++) await fixture.Batcher.PredictAsync(input, outputs, client: 2);
        Thread.Sleep(200);
        ValueTask answer = fixture.Batcher.PredictAsync(input, outputs, client: 1);
        Assert.True(answer.IsCompleted, "a lone request waited for a client that had gone quiet");
        await answer;
        Assert.Equal(fixture.Expected[6], outputs);
    }

    [Fact]
    public async Task Callers_on_many_threads_each_get_their_own_rows_and_share_passes()
    {
        using Fixture fixture = new(maxRows: 8, maxQueueDelayMicroseconds: 200);
        const int Threads = 16, RequestsEach = 150;
        int[] wrong = new int[Threads];
        using var start = new Barrier(Threads);
        Thread[] threads = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            start.SignalAndWait();
            for (int request = 0; request < RequestsEach; request++)
            {
                int rows = 1 + (thread + request) % 3, first = (thread * RequestsEach + request) * 5 % (fixture.Digits.SampleCount - rows);
                using InferRequest input = RequestOf(fixture.Digits, first, rows);
                float[] outputs = new float[rows * ServeModelFile.Outputs];
                WaitFor(fixture.Batcher.PredictAsync(input, outputs));
                for (int row = 0; row < rows; row++)
                    if (!fixture.Expected[first + row].AsSpan().SequenceEqual(outputs.AsSpan(row * ServeModelFile.Outputs, ServeModelFile.Outputs))) wrong[thread]++;
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        await Task.Run(() => { foreach (Thread thread in threads) Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "a caller hung"); });

        Assert.Equal(new int[Threads], wrong);
        Assert.Equal(Threads * RequestsEach, fixture.Batcher.Requests);
        Assert.True(fixture.Batcher.Batches < fixture.Batcher.Requests,
            fixture.Batcher.Batches + " passes for " + fixture.Batcher.Requests + " requests: none coalesced two");
        Assert.Equal(fixture.Batcher.Batches, BatchPasses(fixture.Counts));
    }

    [Fact]
    public async Task No_request_is_lost_when_it_arrives_as_a_pass_releases_the_flag()
    {
        // Small passes (one row fills half a batch) and callers that send again the moment they are answered put arrivals
        // on the release and re-check over and over; a lost wake-up leaves a request queued with no pass to take it.
        using Fixture fixture = new(maxRows: 2, maxQueueDelayMicroseconds: 50);
        const int Callers = 8, RequestsEach = 2_000;
        using InferRequest input = RequestOf(fixture.Digits, 3, 1);
        Task[] callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            float[] outputs = new float[ServeModelFile.Outputs];
            for (int request = 0; request < RequestsEach; request++) await fixture.Batcher.PredictAsync(input, outputs);
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Callers * RequestsEach, fixture.Batcher.Requests);
    }

    [Fact]
    public async Task Dispose_under_load_answers_or_fails_every_request_and_none_hangs()
    {
        using Fixture fixture = new(maxRows: 4, maxQueueDelayMicroseconds: 500);
        const int Callers = 8;
        int answered = 0, refused = 0, wrong = 0;
        using var running = new CountdownEvent(Callers);
        Task[] callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            running.Signal();
            for (int request = 0; ; request++)
            {
                int first = (caller * 31 + request) % (fixture.Digits.SampleCount - 2);
                using InferRequest input = RequestOf(fixture.Digits, first, 2);
                float[] outputs = new float[2 * ServeModelFile.Outputs];
                try
                {
                    await fixture.Batcher.PredictAsync(input, outputs);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
                Interlocked.Increment(ref answered);
                if (!fixture.Expected[first + 1].AsSpan().SequenceEqual(outputs.AsSpan(ServeModelFile.Outputs))) Interlocked.Increment(ref wrong);
            }
        })).ToArray();
        running.Wait(TimeSpan.FromSeconds(30));
        await Task.Delay(50);
        fixture.Batcher.Dispose();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Callers, refused);
        Assert.Equal(0, wrong);
        Assert.True(answered > 0, "no request was answered before Dispose");
    }

    [Fact]
    public void A_request_allocates_nothing_once_warm_whether_led_inline_or_handed_to_the_pool()
    {
        using Fixture fixture = new(maxRows: 8, maxQueueDelayMicroseconds: 200);
        using InferRequest input = RequestOf(fixture.Digits, 1, 3);
        float[] outputs = new float[3 * ServeModelFile.Outputs];
        // Back to back, a request finds the model busier than idle and is handed to the pool; led or handed, the caller's
        // thread allocates nothing (the pool's thread runs the same pass code as a leader).
        Assert.Equal(0, SteadyState.AllocatedBytes(_ => WaitFor(fixture.Batcher.PredictAsync(input, outputs)), calls: 2_000));
    }

    // Waits without allocating, as the zero-allocation measure needs (a blocked awaiter would allocate).
    private static void WaitFor(ValueTask answer)
    {
        for (SpinWait spin = default; !answer.IsCompleted;) spin.SpinOnce();
        answer.GetAwaiter().GetResult();
    }

    /// <summary>A batcher over the digits model, with the oracle's answer for every digits row.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly TempFolder _folder = new();
        private readonly ServingMetrics _metrics = new();

        public Fixture(int maxRows, int maxQueueDelayMicroseconds)
        {
            string path = ServeModelFile.Save(_folder);
            Digits = Datasets.Digits();
            InferenceSession<float> oracle = ServeModelFile.Oracle(path);
            Expected = Enumerable.Range(0, Digits.SampleCount).Select(row => oracle.Predict(Digits.Row(row)).ToArray()).ToArray();
            Counts = new ModelMetrics("test", _metrics);
            var model = new PublishedModel<float>(FrozenModel<float>.From(NativeModelFormat.Load<float>(path)));
            Batcher = new DynamicBatcher(model, maxRows, maxQueueDelayMicroseconds, Counts);
        }

        public Dataset Digits { get; }

        public float[][] Expected { get; }

        public ModelMetrics Counts { get; }

        public DynamicBatcher Batcher { get; }

        public void Dispose()
        {
            Batcher.Dispose();
            _metrics.Dispose();
            _folder.Dispose();
        }
    }

    private static long BatchPasses(ModelMetrics counts)
    {
        long passes = 0;
        for (int bucket = 0; bucket <= counts.BatchRows.BoundCount; bucket++) passes += counts.BatchRows.BucketCount(bucket);
        return passes;
    }
}
