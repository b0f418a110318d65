using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Backprop.Simd.Inference;
using CommunityToolkit.HighPerformance;
using Microsoft.Extensions.ObjectPool;

namespace Backprop.Simd.Hosting;

/// <summary>
/// Triton-style dynamic batching for one model: requests queue here, and one thread takes the first, waits up to the
/// queue delay for more, and predicts up to <see cref="BackpropServingOptions.MaxBatchRows"/> rows of them in one pass,
/// then copies each caller's own rows back. A request with more rows than a batch holds is predicted alone. Each queued
/// request rides in a pooled <see cref="BatchItem"/> that is its own awaitable, so a request allocates nothing here.
/// </summary>
internal sealed class DynamicBatcher : IDisposable
{
    // Below this much time left, waiting on the semaphore would oversleep (its timeout is in whole milliseconds): yield.
    private static readonly long SpinBelowTicks = Stopwatch.Frequency / 1000;
    // Enough for every request in flight on a busy server; beyond it an item is left to the collector.
    private const int RetainedItems = 1024;
    private readonly ConcurrentQueue<BatchItem> _queue = new();
    private readonly ObjectPool<BatchItem> _items;
    private readonly SemaphoreSlim _queued = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly InferenceSession<float> _session;
    private readonly float[] _inputs, _outputs;
    private readonly int _maxRows, _features, _width;
    private readonly long _delayTicks;
    private readonly Thread _thread;
    private readonly List<BatchItem> _batch = [];
    private readonly ModelMetrics _metrics;
    private BatchItem? _carried;
    private long _batches, _requests;

    public DynamicBatcher(PublishedModel<float> model, int maxRows, int maxQueueDelayMicroseconds, ModelMetrics metrics)
    {
        _metrics = metrics;
        _items = new DefaultObjectPool<BatchItem>(new BatchItemPolicy(this), RetainedItems);
        _maxRows = maxRows;
        _features = model.Current.InputSize;
        _width = model.Current.OutputSize;
        _session = model.CreateSession(maxRows);
        _inputs = new float[maxRows * _features];
        _outputs = new float[maxRows * _width];
        _delayTicks = maxQueueDelayMicroseconds * Stopwatch.Frequency / 1_000_000;
        _thread = new Thread(Run) { IsBackground = true, Name = "backprop dynamic batcher" };
        _thread.Start();
    }

    /// <summary>Batches run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Predicts <paramref name="request"/>'s rows into <paramref name="outputs"/> (at least rows × outputs long).</summary>
    /// <remarks>The answer must be awaited exactly once (its item goes back to the pool when it is).</remarks>
    public ValueTask PredictAsync(InferRequest request, float[] outputs)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        BatchItem item = _items.Get();
        ValueTask answer = item.Start(request, outputs);
        _queue.Enqueue(item);
        _queued.Release();
        return answer;
    }

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _thread.Join();
        _carried?.Fail(new ObjectDisposedException(nameof(DynamicBatcher)));
        while (_queue.TryDequeue(out BatchItem? item)) item.Fail(new ObjectDisposedException(nameof(DynamicBatcher)));
        _stopping.Dispose();
        _queued.Dispose();
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                BatchItem first = _carried ?? Take(Timeout.Infinite)!;
                _carried = null;
                if (first.Request.Rows >= _maxRows) PredictAlone(first);
                else PredictBatch(first);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    // One queued item, waiting up to timeoutMilliseconds (0: only what is queued already); null when none came.
    private BatchItem? Take(int timeoutMilliseconds)
    {
        if (!_queued.Wait(timeoutMilliseconds, _stopping.Token)) return null;
        _queue.TryDequeue(out BatchItem? item); // every release follows an enqueue, so one is there
        return item;
    }

    private void PredictBatch(BatchItem first)
    {
        _batch.Clear();
        _batch.Add(first);
        int rows = first.Request.Rows;
        long deadline = Stopwatch.GetTimestamp() + _delayTicks;
        while (rows < _maxRows)
        {
            long left = deadline - Stopwatch.GetTimestamp();
            BatchItem? next = Take(0);
            if (next is null)
            {
                if (left <= 0) break;
                if (left < SpinBelowTicks) Thread.Yield();
                else next = Take((int)(left * 1000 / Stopwatch.Frequency));
                if (next is null) continue;
            }
            if (rows + next.Request.Rows > _maxRows)
            {
                _carried = next; // it opens the next batch
                break;
            }
            _batch.Add(next);
            rows += next.Request.Rows;
        }

        // Counted before any caller is released, so a caller that reads the counters sees its own batch.
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _requests, _batch.Count);
        Exception? failure = null;
        try
        {
            int offset = 0;
            foreach (BatchItem item in _batch)
            {
                item.Request.Inputs.CopyTo(_inputs.AsSpan(offset * _features, item.Request.Rows * _features));
                offset += item.Request.Rows;
            }
            _session.Predict(new ReadOnlySpan2D<float>(_inputs, 0, rows, _features, 0), new Span2D<float>(_outputs, 0, rows, _width, 0));
            _metrics.RecordPass(rows);
            offset = 0;
            foreach (BatchItem item in _batch)
            {
                _outputs.AsSpan(offset * _width, item.Request.Rows * _width).CopyTo(item.Outputs);
                offset += item.Request.Rows;
            }
        }
        catch (Exception predicting) when (predicting is not OperationCanceledException)
        {
            failure = predicting;
        }
        // Once released, an item may be back in the pool and queued by another request: it is not touched again.
        foreach (BatchItem item in _batch)
        {
            if (failure is null) item.Succeed();
            else item.Fail(failure);
        }
        _batch.Clear();
    }

    private void PredictAlone(BatchItem item)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Increment(ref _requests);
        try
        {
            _session.Predict(item.Request.Inputs, new Span2D<float>(item.Outputs, 0, item.Request.Rows, _width, 0));
            _metrics.RecordPass(item.Request.Rows);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            item.Fail(failure);
            return;
        }
        item.Succeed();
    }

    /// <summary>
    /// One queued request and the awaitable its caller holds: completed once by the batcher, then returned to the pool
    /// when the caller reads the result. Continuations run on the thread pool, never on the batcher's thread, which must
    /// go straight back to the queue.
    /// </summary>
    private sealed class BatchItem(DynamicBatcher owner) : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };

        public InferRequest Request { get; private set; } = null!;

        public float[] Outputs { get; private set; } = null!;

        public ValueTask Start(InferRequest request, float[] outputs)
        {
            Request = request;
            Outputs = outputs;
            return new ValueTask(this, _completion.Version);
        }

        public void Succeed() => _completion.SetResult(true);

        public void Fail(Exception failure) => _completion.SetException(failure);

        public void GetResult(short token)
        {
            try
            {
                _completion.GetResult(token);
            }
            finally
            {
                Request = null!;
                Outputs = null!;
                _completion.Reset();
                owner._items.Return(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _completion.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _completion.OnCompleted(continuation, state, token, flags);
    }

    private sealed class BatchItemPolicy(DynamicBatcher owner) : IPooledObjectPolicy<BatchItem>
    {
        public BatchItem Create() => new(owner);

        public bool Return(BatchItem item) => true;
    }
}
