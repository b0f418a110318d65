using System.Diagnostics;
using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class FashionMnistTests
{
    [SkippableFact]
    public void Installed_fashion_mnist_has_60000_training_and_10000_test_images_of_784_pixels_in_10_classes()
    {
        Skip.IfNot(Directory.Exists(FashionMnist.DebianFolder),
            "Fashion-MNIST is not installed: " + FashionMnist.InstallCommand);

        var clock = Stopwatch.StartNew();
        DatasetPair data = FashionMnist.Load(FashionMnist.DebianFolder);
        clock.Stop();

        foreach (var (part, count) in new[] { (data.Train, 60_000), (data.Test, 10_000) })
        {
            Assert.Equal(count, part.SampleCount);
            Assert.Equal(784, part.FeatureCount);
            Assert.Equal(10, part.ClassCount);
            Assert.Equal(new ImageShape(28, 28), part.ImageShape);
            Assert.All(part.CountPerClass(), n => Assert.Equal(count / 10, n));
        }
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in data.Train.FeatureMemory.Span) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
        Assert.Equal("Ankle boot", data.Train.ClassNames[9]);
        Console.WriteLine("Fashion-MNIST train+test loaded in " + clock.Elapsed.TotalMilliseconds + " ms");
    }

    [Fact]
    public void Missing_folder_gives_the_install_command_and_where_it_looked()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<DatasetNotInstalledException>(() => FashionMnist.Load(folder.Path));

        Assert.Equal([folder.Path], error.SearchedFolders);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", error.Message, StringComparison.Ordinal);
        Assert.Contains("looked in " + folder.Path + " ", error.Message, StringComparison.Ordinal);
        Assert.Contains(FashionMnist.FolderVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Folder_with_raw_idx_files_is_found()
    {
        using var folder = new TempFolder();
        byte[] images = TempFolder.Idx(IdxFile.ImagesMagic, [2, 28, 28], new byte[2 * 784]);
        byte[] labels = TempFolder.Idx(IdxFile.LabelsMagic, [2], [9, 0]);
        folder.WriteBytes("train-images-idx3-ubyte", images);
        folder.WriteBytes("train-labels-idx1-ubyte", labels);
        folder.WriteBytes("t10k-images-idx3-ubyte.gz", images, gzip: true);
        folder.WriteBytes("t10k-labels-idx1-ubyte.gz", labels, gzip: true);

        DatasetPair data = FashionMnist.Load(folder.Path);

        Assert.Equal(2, data.Train.SampleCount);
        Assert.Equal(10, data.Test.ClassCount);
        Assert.Equal([9, 0], data.Test.Labels.ToArray());
    }
}
