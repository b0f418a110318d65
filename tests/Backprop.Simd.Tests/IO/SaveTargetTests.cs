using System.Diagnostics;
using Backprop.Simd.IO;

namespace Backprop.Simd.Tests.IO;

/// <summary>Issue 14, item 7: saving over a file keeps what the file is — its mode, a symbolic link, a non-file refused.</summary>
public sealed class SaveTargetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-target-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ModelDescription<float> Model(int seed) => ModelSamples.Create<float>(withOptimizer: false, seed: seed);

    [Fact]
    public void Saving_over_a_private_file_keeps_it_private()
    {
        if (OperatingSystem.IsWindows()) return;
        string path = Path.Combine(_folder, "private.bpm");
        NativeModelFormat.Save(path, Model(1));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        NativeModelFormat.Save(path, Model(2));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        new SafeTensorsFile([new SafeTensor("x", [1], [1f])]).Save(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Saving_through_a_symbolic_link_updates_the_file_it_points_to_and_keeps_the_link()
    {
        string real = Path.Combine(_folder, "real", "model.bpm");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        NativeModelFormat.Save(real, Model(1));
        string link = Path.Combine(_folder, "link.bpm");
        File.CreateSymbolicLink(link, real);
        NativeModelFormat.Save(link, Model(2));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(ModelSamples.NativeBytes(Model(2)), File.ReadAllBytes(real));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(real)!));
    }

    [Fact]
    public void A_FIFO_or_a_folder_is_refused_and_left_as_it_is()
    {
        if (!OperatingSystem.IsLinux()) return;
        string fifo = Path.Combine(_folder, "pipe");
        using (var make = Process.Start("mkfifo", fifo)) make.WaitForExit();
        var error = Assert.Throws<IOException>(() => NativeModelFormat.Save(fifo, Model(1)));
        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
        Assert.False(FileKind.IsRegularOrMissing(fifo));
        Assert.Throws<IOException>(() => NativeModelFormat.Save(_folder, Model(1)));
        Assert.Equal([fifo], Directory.GetFileSystemEntries(_folder));
    }
}
