using System.Collections.Concurrent;
using Backprop.Simd.Inference;
using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Inference;

/// <summary>
/// Issue 14, item 9: misuse is detected, not silently wrong. One session shared by several threads throws instead of
/// mixing answers; a step refused because a shared pool is busy changes nothing.
/// </summary>
public class SessionMisuseTests
{
    private static readonly Network<float> Model = new(64, [new Dense(128, Activation.Relu), new Dense(10)], seed: 9);

    private static float[][] Rows(int count)
    {
        var random = new Random(4);
        var rows = new float[count][];
        for (int r = 0; r < count; r++)
        {
            rows[r] = new float[64];
            for (int c = 0; c < 64; c++) rows[r][c] = (float)random.NextDouble();
        }
        return rows;
    }

    // Every answer a shared session gives is right; the overlapping calls throw. Returns how many threw.
    private static int ShareOneSession(int threads, int callsPerThread, TimeSpan until)
    {
        FrozenModel<float> frozen = FrozenModel<float>.From(Model);
        float[][] rows = Rows(32);
        InferenceSession<float> reference = frozen.CreateSession();
        int[] expected = [.. rows.Select(row => reference.PredictClass(row))];
        InferenceSession<float> shared = frozen.CreateSession();
        var wrong = new ConcurrentQueue<string>();
        int refused = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < callsPerThread && (Volatile.Read(ref refused) == 0 || clock.Elapsed < until); i++)
                {
                    int r = i % rows.Length;
                    try
                    {
                        int predicted = shared.PredictClass(rows[r]);
                        if (predicted != expected[r]) wrong.Enqueue("row " + r + ": " + predicted + " instead of " + expected[r]);
                    }
                    catch (InvalidOperationException) { Interlocked.Increment(ref refused); }
                }
            });
            workers[t].Start();
        }
        foreach (Thread worker in workers) worker.Join();
        Assert.True(wrong.IsEmpty, wrong.Count + " wrong answers, first " + wrong.FirstOrDefault());
        return refused;
    }

    [Fact]
    public void A_session_shared_by_two_threads_refuses_the_overlapping_calls_and_never_answers_wrong()
    {
        Assert.True(ShareOneSession(threads: 2, callsPerThread: 200_000, until: TimeSpan.Zero) > 0,
            "two threads sharing one session were never detected");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_session_shared_by_eight_threads_refuses_the_overlapping_calls_and_never_answers_wrong()
    {
        Assert.True(ShareOneSession(threads: 8, callsPerThread: 100_000, until: TimeSpan.FromSeconds(5)) > 0);
    }

    [Fact]
    public void One_thread_calling_a_session_again_and_again_is_never_refused()
    {
        InferenceSession<float> session = FrozenModel<float>.From(Model).CreateSession();
        foreach (float[] row in Rows(100))
        {
            session.PredictClass(row);
            session.Predict(row);
            session.PredictProbabilities(row, new float[10]);
        }
    }

    // Holds the pool's threads until released, so that another job finds the pool busy.
    private readonly unsafe struct Hold(int* release, int* started) : IParallelWork
    {
        public void Execute(int part)
        {
            Interlocked.Increment(ref *started);
            while (Volatile.Read(ref *release) == 0) Thread.SpinWait(20);
        }
    }

    [Fact]
    public unsafe void A_step_refused_because_the_shared_pool_is_busy_changes_nothing()
    {
        // Products under 2^18 multiply-adds run on the caller, the 77,058-parameter update is split: only the update
        // meets the busy pool.
        var network = new Network<float>(300, [new Dense(256, Activation.Relu), new Dense(2)], seed: 2);
        using var pool = new WorkerPool(2);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), maxBatch: 1) { Pool = pool };
        var inputs = new float[1, 300];
        inputs[0, 7] = 1;
        trainer.Step(inputs, [1]);
        long steps = trainer.StepCount;
        float[] parameters = network.Parameters.ToArray();

        int* flags = stackalloc int[2];
        flags[0] = 0;
        flags[1] = 0;
        var holder = new Thread(() =>
        {
            var hold = new Hold(flags, flags + 1);
            pool.Run(ref hold, 2);
        });
        holder.Start();
        while (Volatile.Read(ref flags[1]) == 0) Thread.Yield();
        try
        {
            Assert.Throws<InvalidOperationException>(() => trainer.Step(inputs, [1]));
        }
        finally
        {
            Volatile.Write(ref flags[0], 1);
            holder.Join();
        }
        Assert.Equal(steps, trainer.StepCount);
        Assert.Equal(parameters, network.Parameters.ToArray());
        trainer.Step(inputs, [1]);
        Assert.Equal(steps + 1, trainer.StepCount);
    }
}
