using Backprop.Simd.IO;

namespace Backprop.Simd.Tests.IO;

/// <summary>
/// A save that dies at any byte leaves the previous file intact and no temporary file behind. The failure is injected
/// through the saver's stream seam at every byte offset of the write and at the final flush.
/// </summary>
/// <remarks>
/// This covers failures the process survives (disk full, I/O errors, exceptions). A process killed outright cannot run
/// the clean-up, so it may leave its uniquely named .tmp file, which the next successful save removes;
/// <see cref="KillDuringSaveTests"/> kills real processes mid-save.
/// </remarks>
public sealed class AtomicSaveTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-atomic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_save_failing_at_any_byte_leaves_the_old_file_complete_and_no_temporary_file()
    {
        string path = Path.Combine(_folder, "model.bpm");
        var oldModel = ModelSamples.Create<float>(withOptimizer: false, seed: 1);
        var newModel = ModelSamples.Create<float>(withOptimizer: true, seed: 2);
        NativeModelFormat.Save(path, oldModel);
        byte[] oldBytes = File.ReadAllBytes(path);
        int newLength = ModelSamples.NativeBytes(newModel).Length;

        for (long failAt = 0; failAt <= newLength; failAt++)
        {
            Assert.Throws<IOException>(() => NativeModelFormat.Save(path, newModel, temporary => new FailingStream(temporary, failAt)));
            Assert.True(oldBytes.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"The target changed after a failure at byte {failAt}.");
            Assert.Equal([path], Directory.GetFiles(_folder));
        }

        NativeModelFormat.Save(path, newModel);
        Assert.Equal(ModelSamples.NativeBytes(newModel), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Saving_over_a_missing_file_creates_it_and_a_failed_first_save_creates_nothing()
    {
        string path = Path.Combine(_folder, "fresh.bpm");
        var model = ModelSamples.Create<double>(withOptimizer: true);
        Assert.Throws<IOException>(() => NativeModelFormat.Save(path, model, temporary => new FailingStream(temporary, 100)));
        Assert.Empty(Directory.GetFiles(_folder));
        NativeModelFormat.Save(path, model);
        ModelSamples.AssertIdentical(model, Assert.IsType<ModelDescription<double>>(NativeModelFormat.Load(path)));
    }

    [Fact]
    public void A_successful_save_removes_leftovers_of_killed_saves_but_not_a_file_another_save_is_writing()
    {
        string path = Path.Combine(_folder, "model.bpm");
        string Temporary(string id) => Path.Combine(_folder, ".model.bpm." + id + ".tmp");
        string killed = Temporary(Guid.NewGuid().ToString("N"));
        string writing = Temporary(Guid.NewGuid().ToString("N"));
        string foreign = Temporary("not-a-guid");
        File.WriteAllBytes(killed, [1, 2, 3]);
        File.WriteAllBytes(foreign, [1]);
        using (new FileStream(writing, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            NativeModelFormat.Save(path, ModelSamples.Create<float>(withOptimizer: false));
            Assert.False(File.Exists(killed));
            Assert.True(File.Exists(writing));
            Assert.True(File.Exists(foreign));
        }
    }

    /// <summary>A real temporary file that fails once <c>failAt</c> bytes have been written, or at the flush after the last one.</summary>
    private sealed class FailingStream(string path, long failAt) : Stream
    {
        private readonly FileStream _file = new(path, FileMode.CreateNew, FileAccess.Write);
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _file.Length;
        public override long Position { get => _file.Position; set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = failAt - _written;
            if (room < buffer.Length)
            {
                _file.Write(buffer[..(int)Math.Max(room, 0)]);
                _written = failAt;
                throw new IOException($"Injected failure at byte {failAt}.");
            }
            _file.Write(buffer);
            _written += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        // The saver flushes to disk once, after the last byte: failing here models a crash before the data is durable.
        public override void Flush()
        {
            if (_written >= failAt) throw new IOException($"Injected failure at the flush after byte {failAt}.");
            _file.Flush(flushToDisk: true);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _file.Dispose();
            base.Dispose(disposing);
        }
    }
}
