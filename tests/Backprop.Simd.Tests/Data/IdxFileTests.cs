using System.Buffers.Binary;
using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class IdxFileTests
{
    // Three 2×3 images with distinct pixels, including both extremes 0 and 255.
    private static readonly byte[] Pixels = [0, 1, 2, 3, 4, 255, 10, 20, 30, 40, 50, 60, 255, 254, 128, 127, 1, 0];
    private static readonly byte[] Labels = [2, 0, 1];

    private static (string Images, string Labels) WritePair(TempFolder folder, bool gzip, byte[]? labels = null)
    {
        string suffix = gzip ? ".gz" : "";
        return (folder.WriteBytes("images" + suffix, TempFolder.Idx(IdxFile.ImagesMagic, [3, 2, 3], Pixels), gzip),
            folder.WriteBytes("labels" + suffix, TempFolder.Idx(IdxFile.LabelsMagic, [(labels ?? Labels).Length], labels ?? Labels), gzip));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Image_and_label_files_round_trip_with_pixels_divided_by_255(bool gzip)
    {
        using var folder = new TempFolder();
        var (images, labels) = WritePair(folder, gzip);

        Dataset data = IdxFile.ReadDataset(images, labels, "tiny");

        Assert.Equal("tiny", data.Name);
        Assert.Equal(3, data.SampleCount);
        Assert.Equal(6, data.FeatureCount);
        Assert.Equal(new ImageShape(2, 3), data.ImageShape);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal([2, 0, 1], data.Labels.ToArray());
        ReadOnlySpan<float> features = data.FeatureMemory.Span;
        for (int i = 0; i < Pixels.Length; i++)
            Assert.True(features[i] == Pixels[i] / 255f, $"pixel {i}: read {features[i]}, expected {Pixels[i]} / 255");
    }

    [Fact]
    public void Unscaled_images_keep_their_byte_values()
    {
        using var folder = new TempFolder();
        var (images, _) = WritePair(folder, gzip: true);

        IdxImages read = IdxFile.ReadImages(images, scalePixels: false);

        Assert.Equal(3, read.Count);
        Assert.Equal(Pixels.Select(p => (float)p).ToArray(), read.Pixels);
    }

    [Fact]
    public void Given_class_names_set_the_class_count_beyond_the_largest_label()
    {
        using var folder = new TempFolder();
        var (images, labels) = WritePair(folder, gzip: false);

        Dataset data = IdxFile.ReadDataset(images, labels, classNames: ["a", "b", "c", "d"]);

        Assert.Equal(4, data.ClassCount);
        Assert.Equal("c", data.ClassNames[data.Labels[0]]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrong_magic_says_expected_and_found(bool gzip)
    {
        using var folder = new TempFolder();
        var (_, labels) = WritePair(folder, gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(labels));

        Assert.Equal(labels, error.Path);
        Assert.Equal(labels + ": not an IDX images file: expected magic 0x00000803 (unsigned bytes, 3 dimensions), found 0x00000801.",
            error.Message);
    }

    [Fact]
    public void Truncated_raw_file_says_expected_and_actual_bytes()
    {
        using var folder = new TempFolder();
        byte[] whole = TempFolder.Idx(IdxFile.ImagesMagic, [3, 2, 3], Pixels);
        string path = folder.WriteBytes("cut", whole[..^5]);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));

        Assert.Equal(path + ": truncated: expected 34 bytes, found 29.", error.Message);
    }

    [Fact]
    public void Truncated_gzip_content_says_expected_and_actual_decompressed_bytes()
    {
        using var folder = new TempFolder();
        byte[] whole = TempFolder.Idx(IdxFile.ImagesMagic, [3, 2, 3], Pixels);
        string path = folder.WriteBytes("cut.gz", whole[..^5], gzip: true);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));

        Assert.Equal(path + ": truncated: expected 34 bytes, found 29.", error.Message);
    }

    [Fact]
    public void Truncated_header_is_reported_as_truncated()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("header", TempFolder.Idx(IdxFile.ImagesMagic, [3, 2, 3], [])[..9]);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));

        Assert.Equal(path + ": truncated: expected 16 bytes, found 9.", error.Message);
    }

    [Fact]
    public void Extra_bytes_after_the_declared_data_are_reported()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("long", TempFolder.Idx(IdxFile.LabelsMagic, [2], [1, 2, 3]));

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path));

        Assert.Equal(path + ": longer than its header declares: expected 10 bytes, found 11.", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Empty_file_is_reported_as_empty(bool gzip)
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("empty", [], gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path));

        Assert.Equal(path + ": the file is empty.", error.Message);
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_both_files_and_counts()
    {
        using var folder = new TempFolder();
        var (images, labels) = WritePair(folder, gzip: false, labels: [1, 0]);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadDataset(images, labels));

        Assert.Equal(images + ": holds 3 images but " + labels + " holds 2 labels.", error.Message);
    }

    [Fact]
    public void Label_outside_the_given_classes_is_out_of_range()
    {
        using var folder = new TempFolder();
        var (images, labels) = WritePair(folder, gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadDataset(images, labels, classNames: ["a", "b"]));

        Assert.Equal(labels + ": label 2 of item 0 is out of range: expected 0..1.", error.Message);
    }

    [Fact]
    public void Missing_file_throws_file_not_found_with_the_path()
    {
        using var folder = new TempFolder();
        string path = folder.File("absent-images");

        var error = Assert.Throws<FileNotFoundException>(() => IdxFile.ReadImages(path));

        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void Hostile_raw_header_declaring_huge_sizes_is_refused_before_allocating()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("huge", TempFolder.Idx(IdxFile.ImagesMagic, [60000, 2000, 1000], Pixels));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(path + ": the header declares more than " + Array.MaxLength + " values, the most this reader can hold.",
            error.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes before refusing");
    }

    [Fact]
    public void Hostile_gzip_header_declaring_more_than_deflate_can_hold_is_refused_before_allocating()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("huge.gz", TempFolder.Idx(IdxFile.ImagesMagic, [60000, 100, 100], Pixels), gzip: true);
        long fileLength = new FileInfo(path).Length;
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(path + ": the header declares 600000016 bytes but a gzip file of " + fileLength + " bytes holds at most "
            + fileLength * 1032 + ".", error.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes before refusing");
    }

    [Fact]
    public void Header_with_a_huge_count_of_a_1_dimensional_file_is_refused_against_the_file_length()
    {
        using var folder = new TempFolder();
        byte[] bytes = TempFolder.Idx(IdxFile.LabelsMagic, [1], [7]);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), 2_000_000_000);
        string path = folder.WriteBytes("labels", bytes);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path));

        Assert.Equal(path + ": truncated: expected 2000000008 bytes, found 9.", error.Message);
    }
}

public class IdxGzipCorruptionTests
{
    [Fact]
    public void Gzip_file_cut_inside_the_compressed_stream_is_a_data_format_error()
    {
        using var folder = new TempFolder();
        var pixels = new byte[4000];
        new Random(5).NextBytes(pixels);
        string whole = folder.WriteBytes("whole.gz", TempFolder.Idx(IdxFile.ImagesMagic, [10, 20, 20], pixels), gzip: true);
        byte[] compressed = File.ReadAllBytes(whole);
        string cut = folder.WriteBytes("cut.gz", compressed[..(compressed.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(cut));

        Assert.Equal(cut, error.Path);
        Assert.StartsWith(cut + ": truncated: expected 4016 bytes, found ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_gzip_data_is_a_data_format_error_naming_the_file()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("bad.gz", [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path));

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": the gzip data is corrupt (", error.Message, StringComparison.Ordinal);
    }
}
