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

    private static long BatchPasses(ModelMetrics counts)
    {
        long passes = 0;
        for (int bucket = 0; bucket <= counts.BatchRows.BoundCount; bucket++) passes += counts.BatchRows.BucketCount(bucket);
        return passes;
    }
}
