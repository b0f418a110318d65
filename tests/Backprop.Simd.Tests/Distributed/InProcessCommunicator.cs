using System.Numerics;
using Backprop.Simd.Distributed;

namespace Backprop.Simd.Tests.Distributed;

/// <summary>
/// A group of ranks that are threads of this process, for testing data-parallel training without MPI. Each
/// collective publishes the rank's span in a per-rank buffer, meets the others at a barrier, reads what it needs in
/// rank order (so that every rank sums in the same order and gets the same bits) and meets them again before any
/// buffer is reused. Buffers grow once per element type, so steady-state training allocates nothing here either.
/// </summary>
internal sealed class InProcessCommunicator : ICommunicator
{
    private readonly Group _group;

    private InProcessCommunicator(Group group, int rank) => (_group, Rank) = (group, rank);

    public int Rank { get; }

    public int Size => _group.Size;

    public int Collectives { get; private set; }

    /// <summary>One communicator per rank of a new group of <paramref name="size"/>.</summary>
    public static InProcessCommunicator[] CreateGroup(int size)
    {
        var group = new Group(size);
        var ranks = new InProcessCommunicator[size];
        for (int r = 0; r < size; r++) ranks[r] = new InProcessCommunicator(group, r);
        return ranks;
    }

    /// <summary>Runs <paramref name="work"/> on one thread per rank and returns each rank's result, rethrowing the first failure.</summary>
    public static TResult[] RunOnEveryRank<TResult>(int size, Func<InProcessCommunicator, TResult> work)
    {
        InProcessCommunicator[] ranks = CreateGroup(size);
        var results = new TResult[size];
        var failures = new Exception?[size];
        var threads = new Thread[size];
        for (int r = 0; r < size; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try { results[rank] = work(ranks[rank]); }
                catch (Exception exception) { failures[rank] = exception; ranks[rank]._group.Barrier.Dispose(); }
            }, maxStackSize: 16 << 20);
            threads[r].Start();
        }
        foreach (Thread thread in threads) thread.Join();
        foreach (Exception? failure in failures) if (failure is not null) throw new AggregateException(failures.Where(f => f is not null)!);
        return results;
    }

    public void AllReduceSum<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Publish<T>(values);
        for (int i = 0; i < values.Length; i++)
        {
            T sum = T.Zero;
            for (int r = 0; r < Size; r++) sum += Slot<T>(r)[i];
            values[i] = sum;
        }
        Meet();
    }

    public void StartAllReduceSum<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T> => AllReduceSum(values);

    public void WaitForReductions() { }

    public void ReduceScatterSum<T>(ReadOnlySpan<T> values, Span<T> piece, ReadOnlySpan<int> counts) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Publish(values);
        int start = Offset(counts, Rank);
        for (int i = 0; i < counts[Rank]; i++)
        {
            T sum = T.Zero;
            for (int r = 0; r < Size; r++) sum += Slot<T>(r)[start + i];
            piece[i] = sum;
        }
        Meet();
    }

    public void AllGather<T>(Span<T> values, ReadOnlySpan<int> counts) where T : unmanaged
    {
        Publish<T>(values);
        for (int r = 0; r < Size; r++)
        {
            if (r == Rank) continue;
            int start = Offset(counts, r);
            Slot<T>(r).AsSpan(start, counts[r]).CopyTo(values.Slice(start));
        }
        Meet();
    }

    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        Publish<T>(values);
        if (Rank != root) Slot<T>(root).AsSpan(0, values.Length).CopyTo(values);
        Meet();
    }

    private static int Offset(ReadOnlySpan<int> counts, int rank)
    {
        int offset = 0;
        for (int r = 0; r < rank; r++) offset += counts[r];
        return offset;
    }

    private void Publish<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        Collectives++;
        Array?[] slots = _group.SlotsOf<T>();
        if (slots[Rank] is not T[] slot || slot.Length < values.Length)
            slots[Rank] = slot = new T[Math.Max(values.Length, 16)];
        values.CopyTo(slot);
        Meet();
    }

    private T[] Slot<T>(int rank) => (T[])_group.SlotsOf<T>()[rank]!;

    private void Meet()
    {
        if (!_group.Barrier.SignalAndWait(TimeSpan.FromSeconds(60)))
            throw new TimeoutException("Rank " + Rank + " waited 60 s for the other ranks: they disagree on the collectives.");
    }

    private sealed class Group(int size)
    {
        public int Size { get; } = size;
        public Barrier Barrier { get; } = new(size);
        // One set of slots per element type, made up front so that ranks never add to the table at the same time.
        private readonly Dictionary<Type, Array?[]> _slots = new()
        {
            [typeof(float)] = new Array?[size], [typeof(double)] = new Array?[size], [typeof(long)] = new Array?[size],
            [typeof(ulong)] = new Array?[size],
        };

        public Array?[] SlotsOf<T>() => _slots.TryGetValue(typeof(T), out Array?[]? slots) ? slots
            : throw new NotSupportedException("The in-process group exchanges no " + typeof(T).Name + ".");
    }
}
