using Backprop.Simd.IO;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// Issue 14, item 2: savers of one path in several threads all succeed (last writer wins) and never tear, although each
/// successful save clears the leftovers of killed savers from the same folder.
/// </summary>
public sealed class ConcurrentSaveTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-concurrent-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Two_threads_saving_one_path_all_succeed_and_the_file_is_one_of_theirs()
    {
        const int SavesPerThread = 200;
        string path = Path.Combine(_folder, "model.bpm");
        ModelDescription<float>[] models = [ModelSamples.Create<float>(withOptimizer: false, seed: 1),
            ModelSamples.Create<float>(withOptimizer: false, seed: 2)];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var start = new Barrier(models.Length);
        var threads = new Thread[models.Length];
        for (int t = 0; t < threads.Length; t++)
        {
            ModelDescription<float> model = models[t];
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < SavesPerThread; i++)
                {
                    try { NativeModelFormat.Save(path, model); }
                    catch (Exception exception) { failures.Enqueue(exception); }
                }
            });
            threads[t].Start();
        }
        foreach (Thread thread in threads) thread.Join();

        Assert.True(failures.IsEmpty, failures.Count + " of " + (2 * SavesPerThread) + " saves failed, first: " + failures.FirstOrDefault());
        byte[] saved = File.ReadAllBytes(path);
        Assert.True(saved.AsSpan().SequenceEqual(ModelSamples.NativeBytes(models[0]))
            || saved.AsSpan().SequenceEqual(ModelSamples.NativeBytes(models[1])), "The file is neither saver's model.");
        Assert.Equal([path], Directory.GetFiles(_folder));
    }
}
