using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Simd.Threading;

/// <summary>
/// A fixed set of persistent threads that share the kernels' work with the calling thread. A job is split into parts;
/// every participant, the caller included, claims parts until none is left, so a worker that the operating system has
/// descheduled never holds the caller up. Workers spin for about a millisecond for the next job (training calls kernels
/// back to back) and then sleep, so an idle pool costs nothing. Handing a job over allocates nothing.
/// </summary>
/// <remarks>
/// Kernels split work so that every output element is computed by exactly one part, in an order that does not depend
/// on the split: results are bit-identical for any <see cref="ThreadCount"/>. One job at a time: the pool is not meant
/// to be shared by threads calling kernels concurrently.
/// </remarks>
public sealed unsafe class WorkerPool : IDisposable
{
    // A worker spins this long for the next job before it sleeps: longer than the serial gaps of a training step, and
    // than the gaps within a burst of predictions.
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    // Pauses between looks at the clock; a waiting thread looks at its flag after every pause, so a hand-off takes
    // tens of nanoseconds (Thread.SpinWait(20), which this replaced, slept about 0.5 µs between looks).
    private const int PausesPerClockRead = 64;

    private readonly Thread[] _workers;
    private readonly object _gate = new();

    // The published job: a specialised static trampoline plus a pointer to the caller's struct on its stack.
    private delegate*<void*, int, void> _execute;
    private void* _work;
    private int _parts;

    // Job generation (high half) and next unclaimed part (low half) in one word: a claim is a compare-exchange on
    // both, so a worker still looking at a finished job can never claim a part of the next one.
    private long _claim;
    private int _unfinishedParts;
    private int _generation;
    private int _sleepers;
    private int _busy;
    private volatile bool _disposed;

    /// <summary>Creates a pool in which <paramref name="threadCount"/> threads, the caller included, share each job.</summary>
    /// <param name="threadCount">Total participants, at least 1; 1 means the caller does everything alone.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is below 1.</exception>
    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _workers = new Thread[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop)
            {
                IsBackground = true,
                Name = string.Create(CultureInfo.InvariantCulture, $"Backprop.Simd worker {i + 1}"),
            };
            _workers[i].Start();
        }
    }

    /// <summary>Threads that share each job, the calling thread included.</summary>
    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="work"/>.Execute(part) for every part in [0, <paramref name="parts"/>) and returns when all are done.</summary>
    /// <remarks>
    /// The workers read <paramref name="work"/> through a pointer while this call blocks, so it must be a local of the
    /// caller (stack memory does not move; a struct inside a heap object could). Object references in it stay valid:
    /// the caller's frame reports them to the GC, which updates them in place.
    /// </remarks>
    internal void Run<TWork>(ref TWork work, int parts)
        where TWork : struct, IParallelWork
    {
        if (parts <= 1 || _workers.Length == 0)
        {
            for (int part = 0; part < parts; part++) work.Execute(part);
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _busy, 1) != 0) throw new InvalidOperationException("The worker pool is already running a job.");
        _execute = &Execute<TWork>;
        _work = Unsafe.AsPointer(ref work);
        _parts = parts;
        Volatile.Write(ref _unfinishedParts, parts);
        int generation = _generation + 1;
        Interlocked.Exchange(ref _claim, (long)generation << 32);
        Interlocked.Exchange(ref _generation, generation);
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }

        ClaimParts(generation);
        // Only parts already running are left: wait for them at full attention, yielding the core only when a worker
        // has been descheduled mid-part (an oversubscribed machine).
        long yieldAfter = Stopwatch.GetTimestamp() + (SpinTicks / 20);
        for (int pause = 1; Volatile.Read(ref _unfinishedParts) > 0; pause++)
        {
            Pause();
            if (pause % PausesPerClockRead == 0 && Stopwatch.GetTimestamp() > yieldAfter) Thread.Yield();
        }
        _work = null;

        Volatile.Write(ref _busy, 0);
    }

    /// <summary>Stops the worker threads once they finish the current job.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            Monitor.PulseAll(_gate);
        }

        foreach (Thread worker in _workers) worker.Join();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pause()
    {
        if (X86Base.IsSupported) X86Base.Pause();
        else if (ArmBase.IsSupported) ArmBase.Yield();
        else Thread.SpinWait(1);
    }

    private static void Execute<TWork>(void* work, int part)
        where TWork : struct, IParallelWork => Unsafe.AsRef<TWork>(work).Execute(part);

    private void ClaimParts(int generation)
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            int part = (int)claim;
            if ((int)(claim >> 32) != generation || part >= Volatile.Read(ref _parts)) return;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;

            // A successful claim proves the job is still running, so the published fields are still this job's.
            _execute(_work, part);
            Interlocked.Decrement(ref _unfinishedParts);
        }
    }

    private void WorkerLoop()
    {
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            seen = WaitForNextJob(seen);
            if (_disposed) return;
            ClaimParts(seen);
        }
    }

    private int WaitForNextJob(int seen)
    {
        long sleepAt = Stopwatch.GetTimestamp() + SpinTicks;
        do
        {
            for (int pause = 0; pause < PausesPerClockRead; pause++)
            {
                int generation = Volatile.Read(ref _generation);
                if (generation != seen) return generation;
                Pause();
            }
        }
        while (Stopwatch.GetTimestamp() < sleepAt);

        lock (_gate)
        {
            // The increment is a full fence: either the caller sees a sleeper and pulses, or we see its new generation.
            Interlocked.Increment(ref _sleepers);
            int generation;
            while ((generation = Volatile.Read(ref _generation)) == seen) Monitor.Wait(_gate);
            Interlocked.Decrement(ref _sleepers);
            return generation;
        }
    }
}
