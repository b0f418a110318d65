using System.Diagnostics;

namespace Backprop.Simd.Tests;

/// <summary>
/// Measures what a piece of work allocates once the runtime has finished its one-off work for it. Tiered compilation
/// promotes methods in the background, later when other tests keep the JIT busy, and on-stack replacement compiles a
/// hot loop on the calling thread, which can allocate (string literals, type handles). A fixed warm-up count therefore
/// made the zero-allocation tests depend on timing; this helper warms up until a window of calls allocates nothing.
/// A real per-call allocation never gives such a window, so the measured window still catches it.
/// </summary>
internal static class SteadyState
{
    private static readonly TimeSpan MinimumWarmUp = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan MaximumWarmUp = TimeSpan.FromSeconds(20);

    /// <summary>Bytes the calling thread allocates over <paramref name="calls"/> calls of <paramref name="work"/> after warm-up.</summary>
    /// <param name="work">One call; receives the call's index so that it can vary its arguments.</param>
    /// <param name="calls">The measured window.</param>
    public static long AllocatedBytes(Action<int> work, int calls)
    {
        int warmUpWindow = Math.Max(1, calls / 10);
        WarmUp(() => Window(work, warmUpWindow) == 0);
        return Window(work, calls);
    }

    /// <summary>
    /// Repeats <paramref name="settled"/> (a run of the work that reports whether it allocated nothing) for at least
    /// 300 ms and until it returns true, for work whose allocation is measured inside it (a fit loop's epochs).
    /// </summary>
    public static void WarmUp(Func<bool> settled)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < MaximumWarmUp;)
        {
            if (settled() && clock.Elapsed >= MinimumWarmUp) return;
        }
    }

    private static long Window(Action<int> work, int calls)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 0; call < calls; call++) work(call);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
