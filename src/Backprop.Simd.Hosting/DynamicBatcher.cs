using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Backprop.Simd.Inference;
using CommunityToolkit.HighPerformance;
using Microsoft.Extensions.ObjectPool;

namespace Backprop.Simd.Hosting;

/// <summary>
/// Triton-style dynamic batching for one model, as a group commit with no thread of its own. A request queues here; if
/// no pass is running, the caller's thread takes the pass flag and leads: it predicts up to
/// <see cref="BackpropServingOptions.MaxBatchRows"/> queued rows in one pass and copies each caller's own rows back, so a
/// lone request on an idle model completes on its own thread before <see cref="PredictAsync"/> returns. Requests that
/// queue while a pass runs are left to the flag's holder; once the leader's own request is answered it runs at most a
/// few passes more, then hands any that remain to one thread-pool work item, which runs passes until the queue is
/// empty. A request with more rows than a batch holds is predicted alone.
/// </summary>
/// <remarks>
/// The queue delay is an upper bound, not a wait: a pass waits for more rows only while requests announced by the
/// endpoint (<see cref="Announce"/>: their bodies are still being read or parsed) have not queued yet, for at most as many
/// as were announced when it began; or, after a run of passes that each held a single request, while it too holds one
/// and another client is active (one that sent a request within the last ten queue delays: its next request is likely
/// on its way), so that clients whose requests never overlap in the server still coalesce, at the cost of one wait per
/// run; never beyond its oldest request's arrival plus the delay. With neither it yields once, so that requests other
/// threads are already parsing can join, and predicts: a lone client is answered at once and never waits out the delay.
/// When the model has been busy for longer than it has been idle (the gap since the last pass is shorter than that
/// pass), a new leader hands its pass to the thread pool at once rather than predicting inline, so that back-to-back
/// callers coalesce. Each queued request rides in a pooled <see cref="BatchItem"/> that is its own awaitable, so a
/// request allocates nothing here.
/// </remarks>
internal sealed class DynamicBatcher : IDisposable, IThreadPoolWorkItem
{
    // Enough for every request in flight on a busy server; beyond it an item is left to the collector.
    private const int RetainedItems = 1024;
    // Passes a leader runs for others after its own is answered, before it hands the rest to the thread pool: on the
    // 2-core load test this beat handing over at once (w1, batching on, 16 connections: 44k against 38k req/s binary,
    // 18.5k against 17.2k JSON; one run each, AMD EPYC Zen 4, 2 cores, 2026-12-04), and it delays the leader's own answer
    // by a few passes.
    private const int LeaderPassesForOthers = 4;
    // Lone passes in a row before one waits for another active client. Waiting on every lone pass cost a quarter of the
    // throughput at 16 and 64 connections on the 2-core load test (w1 binary, batching on; the wait spins on a core that
    // the clients and the other requests need; AMD EPYC Zen 4, 2 cores, 2026-12-04), where most passes hold several
    // requests anyway.
    private const int LonePassesBeforeWaiting = 4;
    private readonly ConcurrentQueue<BatchItem> _queue = new();
    private readonly ObjectPool<BatchItem> _items;
    private readonly InferenceSession<float> _session;
    private readonly float[] _inputs, _outputs;
    private readonly int _maxRows, _features, _width;
    private readonly long _delayTicks;
    // A client that sent a request this recently is active: its next request may be on its way.
    private readonly long _activeClientTicks;
    private readonly List<BatchItem> _batch = [];
    private readonly ModelMetrics _metrics;
    // 1 while one thread holds the session, the buffers and the fields below it; taken with CompareExchange.
    private int _passing;
    private int _disposed;
    private BatchItem? _carried;
    private long _lastPassEnd, _lastPassTicks;
    // Requests announced by the endpoint (their bodies are being read and parsed) and not queued yet.
    private int _announced;
    // The latest client the passes took a request from and when, and when they last took one from any other client;
    // read and written holding the flag.
    private int _latestClient;
    private long _latestClientSeen = long.MinValue, _otherClientSeen = long.MinValue;
    // Passes in a row that held a single request; read and written holding the flag.
    private int _lonePasses;
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
        _activeClientTicks = 10 * _delayTicks;
    }

    /// <summary>Batches run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Predicts <paramref name="request"/>'s rows into <paramref name="outputs"/> (at least rows × outputs long).</summary>
    /// <remarks>
    /// The answer must be awaited exactly once (its item goes back to the pool when it is). It is already complete when
    /// this caller led the pass that answered it. <paramref name="announced"/>: the request was announced
    /// (<see cref="Announce"/>); it stops counting once queued, so a waiting pass never sees it in neither place.
    /// <paramref name="client"/>: a key for the caller's connection, so that a pass can tell one busy client from several
    /// (0 when unknown: all such callers count as one client).
    /// </remarks>
    public ValueTask PredictAsync(InferRequest request, float[] outputs, bool announced = false, int client = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        BatchItem item = _items.Get();
        ValueTask answer = item.Start(request, outputs, client, Stopwatch.GetTimestamp());
        _queue.Enqueue(item);
        if (announced) Interlocked.Decrement(ref _announced);
        if (Interlocked.CompareExchange(ref _passing, 1, 0) != 0)
        {
            // The holder will take the item, unless it is Dispose, which may have drained the queue before it came.
            if (Volatile.Read(ref _disposed) != 0) FailQueued();
            return answer;
        }
        if (Stopwatch.GetTimestamp() - _lastPassEnd < _lastPassTicks) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        else RunPasses(item);
        return answer;
    }

    /// <summary>
    /// Tells the batcher that a request for it has begun (its body is still being read), so a pass may wait for it; each
    /// call is ended exactly once: by the request's <see cref="PredictAsync"/> with <c>announced</c> true, or by
    /// <see cref="Withdraw"/> when it will not be predicted.
    /// </summary>
    public void Announce() => Interlocked.Increment(ref _announced);

    /// <summary>Ends what <see cref="Announce"/> began, for a request that will not be predicted.</summary>
    public void Withdraw() => Interlocked.Decrement(ref _announced);

    /// <summary>Runs passes on a thread-pool thread, which holds the flag, until the queue is empty.</summary>
    void IThreadPoolWorkItem.Execute() => RunPasses(own: null);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Taken for good: a running pass finishes first, and no pass starts after.
        for (SpinWait spin = default; Interlocked.CompareExchange(ref _passing, 1, 0) != 0;) spin.SpinOnce();
        _carried?.Fail(new ObjectDisposedException(nameof(DynamicBatcher)));
        _carried = null;
        FailQueued();
    }

    private void FailQueued()
    {
        while (_queue.TryDequeue(out BatchItem? item)) item.Fail(new ObjectDisposedException(nameof(DynamicBatcher)));
    }

    // Called holding the flag. own: the calling leader's item, answered first; the leader then runs a few passes more
    // and hands the rest to the thread pool. null on the pool's thread, which keeps going until the queue is empty.
    private void RunPasses(BatchItem? own)
    {
        bool leading = own is not null;
        int passesForOthers = 0;
        while (true)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                Interlocked.Exchange(ref _passing, 0); // Dispose takes the flag and fails what is left
                return;
            }
            if (leading && own is null && ++passesForOthers > LeaderPassesForOthers)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false); // the flag goes with it
                return;
            }
            if (Pass(own)) own = null;
            if (_carried is not null || !_queue.IsEmpty) continue;
            // Released before the re-check (a full fence): an item queued in between saw the flag held and left itself
            // to us, so it is found here.
            Interlocked.Exchange(ref _passing, 0);
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _passing, 1, 0) != 0) return;
        }
    }

    // One pass over the queue's head; whether it answered own.
    private bool Pass(BatchItem? own)
    {
        BatchItem? first = _carried;
        _carried = null;
        if (first is null && !_queue.TryDequeue(out first)) return false;
        long started = Stopwatch.GetTimestamp();
        if (first.Request.Rows >= _maxRows)
        {
            PredictAlone(first, started);
            return first == own;
        }
        _batch.Clear();
        _batch.Add(first);
        SawClient(first);
        int rows = first.Request.Rows;
        // The requests announced now are expected, while any is still announced and no later than the oldest's arrival
        // plus the delay; so is another active client's next request while the batch holds one, after a run of lone
        // passes; with neither the pass starts at once.
        int expected = 1 + Volatile.Read(ref _announced);
        long deadline = first.Arrival + _delayTicks;
        bool yielded = false;
        while (rows < _maxRows)
        {
            if (!_queue.TryDequeue(out BatchItem? next))
            {
                bool waiting = (_batch.Count < expected && Volatile.Read(ref _announced) > 0)
                    || (_batch.Count == 1 && _lonePasses >= LonePassesBeforeWaiting && AnotherClientActive(first.Client, first.Arrival));
                // Yield while announced requests are parsed on this machine's other threads, and once per pass even
                // with none announced: requests whose threads are ready to run get the core for one turn and join, and
                // the yield is free when none is ready.
                if ((!waiting && yielded) || Volatile.Read(ref _disposed) != 0 || Stopwatch.GetTimestamp() >= deadline) break;
                yielded = true;
                Thread.Yield();
                continue;
            }
            if (rows + next.Request.Rows > _maxRows)
            {
                _carried = next; // it opens the next pass
                break;
            }
            _batch.Add(next);
            SawClient(next);
            rows += next.Request.Rows;
        }
        bool answersOwn = own is not null && _batch.Contains(own);
        _lonePasses = _batch.Count == 1 ? _lonePasses + 1 : 0;
        PredictBatch(rows, started);
        return answersOwn;
    }

    private void PredictBatch(int rows, long started)
    {
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
        catch (Exception predicting)
        {
            failure = predicting;
        }
        Finish(started);
        // Once released, an item may be back in the pool and queued by another request: it is not touched again.
        foreach (BatchItem item in _batch)
        {
            if (failure is null) item.Succeed();
            else item.Fail(failure);
        }
        _batch.Clear();
    }

    private void PredictAlone(BatchItem item, long started)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Increment(ref _requests);
        Exception? failure = null;
        try
        {
            _session.Predict(item.Request.Inputs, new Span2D<float>(item.Outputs, 0, item.Request.Rows, _width, 0));
            _metrics.RecordPass(item.Request.Rows);
        }
        catch (Exception predicting)
        {
            failure = predicting;
        }
        Finish(started);
        if (failure is null) item.Succeed();
        else item.Fail(failure);
    }

    private void SawClient(BatchItem item)
    {
        if (item.Client == _latestClient)
        {
            _latestClientSeen = Math.Max(_latestClientSeen, item.Arrival);
            return;
        }
        _otherClientSeen = _latestClientSeen;
        _latestClient = item.Client;
        _latestClientSeen = item.Arrival;
    }

    // Whether a client other than this one sent a request within the active window before (or after) the time given.
    private bool AnotherClientActive(int client, long at)
    {
        long seen = client != _latestClient ? _latestClientSeen : _otherClientSeen;
        return seen != long.MinValue && at - seen <= _activeClientTicks;
    }

    // What the next leader decides by: how long this pass took and when it ended.
    private void Finish(long started)
    {
        _lastPassEnd = Stopwatch.GetTimestamp();
        _lastPassTicks = _lastPassEnd - started;
    }

    /// <summary>
    /// One queued request and the awaitable its caller holds: completed once by a pass, then returned to the pool when
    /// the caller reads the result. Continuations run on the thread pool, never on the thread that ran the pass, which
    /// may be another caller's or must go straight back to the queue; a leader's own item is complete before its caller
    /// awaits it, so that await continues synchronously.
    /// </summary>
    private sealed class BatchItem(DynamicBatcher owner) : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };

        public InferRequest Request { get; private set; } = null!;

        public float[] Outputs { get; private set; } = null!;

        /// <summary>The caller's connection key (<see cref="PredictAsync"/>).</summary>
        public int Client { get; private set; }

        /// <summary>When the request was queued (<see cref="Stopwatch.GetTimestamp"/>): its wait is bounded from here.</summary>
        public long Arrival { get; private set; }

        public ValueTask Start(InferRequest request, float[] outputs, int client, long arrival)
        {
            Request = request;
            Outputs = outputs;
            Client = client;
            Arrival = arrival;
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
