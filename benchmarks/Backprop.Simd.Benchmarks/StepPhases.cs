using System.Diagnostics;
using System.Globalization;
using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// The W1 training step over time, its two phases apart: the mean time of the forward and backward pass
/// (<see cref="Trainer{T}.ComputeGradients(ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T})"/>) and of the Adam
/// update (<see cref="Trainer{T}.ApplyGradients"/>), printed every 200 steps, so a state that slows one phase shows
/// where it begins and ends within a process:
/// <c>dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --step-phases [threads] [steps]</c>.
/// </summary>
public static class StepPhases
{
    private const int Batch = 128, Batches = 16, Report = 200;

    public static void Run(int threads, int steps)
    {
        var network = new Network<float>(784, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed: 1);
        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(), Batch);
        using WorkerPool? pool = threads > 1 ? new WorkerPool(threads) : null;
        trainer.Pool = pool;
        var random = new Random(2);
        var features = new float[Batches * Batch * 784];
        for (int i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var labels = new int[Batches * Batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(10);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"W1 training step on {threads} thread(s), mean per step over each {Report}"));
        long gradients = 0, update = 0;
        for (int step = 1; step <= steps; step++)
        {
            // Each pass over the batches pairs them with other labels, so the network cannot fit them.
            int batch = step % Batches, pass = step / Batches % Batches;
            long start = Stopwatch.GetTimestamp();
            trainer.ComputeGradients(new ReadOnlySpan2D<float>(features, batch * Batch * 784, Batch, 784, 0),
                labels.AsSpan((batch + pass) % Batches * Batch, Batch));
            long middle = Stopwatch.GetTimestamp();
            trainer.ApplyGradients();
            gradients += middle - start;
            update += Stopwatch.GetTimestamp() - middle;
            if (step % Report != 0) continue;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"steps {step - Report + 1,6}–{step,-6} forward + backward {Micros(gradients),6:F0} µs   Adam {Micros(update),5:F0} µs"));
            gradients = update = 0;
        }
    }

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency / Report;
}
