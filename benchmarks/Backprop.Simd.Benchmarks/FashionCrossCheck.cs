using System.Globalization;
using System.Runtime.InteropServices;
using Backprop.Simd.Data;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Training;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// Lets an independent implementation follow the Fashion-MNIST recipe step for step: writes the initial
/// parameters and every epoch's sample order exactly as <c>backprop train --seed S</c> draws them, trains with the same
/// fit loop, and prints the per-epoch figures. <c>benchmarks/crosscheck/fashion_numpy.py</c> replays the run in float32
/// numpy from those files, so a difference in the figures is an implementation difference, not a different draw.
/// </summary>
public static class FashionCrossCheck
{
    private const int Batch = 128;

    /// <param name="folder">Receives <c>parameters.f32</c> (each layer's W [in, out] row-major, then its bias) and
    /// <c>orders.i32</c> (one permutation of the 60,000 training rows per epoch).</param>
    /// <param name="seed">The <c>--seed</c> of the run.</param>
    /// <param name="epochs">The number of epochs.</param>
    public static void Run(string folder, ulong seed, int epochs)
    {
        Directory.CreateDirectory(folder);
        DatasetPair data = FashionMnist.Load();
        var network = new Network<float>(784, [new Dense(256, Activation.Relu), new Dense(128, Activation.Relu), new Dense(10)], seed);
        File.WriteAllBytes(Path.Combine(folder, "parameters.f32"), MemoryMarshal.AsBytes<float>(network.Parameters).ToArray());

        // The fit loop's shuffle, drawn ahead: a fresh sequence shuffled by a generator seeded with the run's seed.
        var random = new Xoshiro256StarStar(seed);
        var order = new int[data.Train.SampleCount];
        using (FileStream orders = File.Create(Path.Combine(folder, "orders.i32")))
        {
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                MiniBatch.FillSequence(order);
                random.Shuffle<int>(order);
                orders.Write(MemoryMarshal.AsBytes<int>(order));
            }
        }

        var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Adam(0.001), Batch);
        var loop = new FitLoop<float>(trainer, FitData.From(data.Train), FitData.From(data.Test),
            new FitOptions { Epochs = epochs, BatchSize = Batch, Seed = seed });
        FitResult result = loop.Run();
        if (loop.ShuffleState != random.State)
            throw new InvalidOperationException("The fit loop no longer shuffles as this tool assumes; the orders written are not the run's.");

        foreach (EpochMetrics m in result.History)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {m.Epoch}: train loss {m.TrainLoss:F6}  test loss {m.ValidationLoss:F6}  acc {m.ValidationAccuracy:F4}"));
        }
    }
}
