using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class DataSourceTests
{
    [Fact]
    public void Digits_by_name_has_no_test_set_and_is_held_out_by_a_stratified_split()
    {
        LoadedData loaded = DataSource.Load("digits");

        DatasetPair pair = loaded.WithHeldOut(0.2, seed: 3);

        Assert.Null(loaded.Test);
        Assert.Equal(1797, pair.Train.SampleCount + pair.Test.SampleCount);
        Assert.Equal(StratifiedSplit.Split(loaded.Train, 0.2, 3).Test.Labels.ToArray(), pair.Test.Labels.ToArray());
    }

    [Fact]
    public void Csv_file_with_a_test_file_loads_both()
    {
        using var folder = new TempFolder();
        string train = folder.WriteText("train.csv", "1,a\n2,b\n");
        string test = folder.WriteText("test.csv", "3,b\n");

        LoadedData loaded = DataSource.Load(train, test);

        Assert.Equal(2, loaded.Train.SampleCount);
        Assert.Equal([1], loaded.Test!.Labels.ToArray());
        Assert.Same(loaded.Test, loaded.WithHeldOut(0.5, seed: 1).Test);
    }

    [Fact]
    public void Idx_folder_loads_train_and_test_with_shared_classes()
    {
        using var folder = new TempFolder();
        folder.WriteBytes("train-images-idx3-ubyte.gz", TempFolder.Idx(IdxFile.ImagesMagic, [2, 1, 2], [0, 255, 51, 0]), gzip: true);
        folder.WriteBytes("train-labels-idx1-ubyte.gz", TempFolder.Idx(IdxFile.LabelsMagic, [2], [0, 1]), gzip: true);
        folder.WriteBytes("t10k-images-idx3-ubyte", TempFolder.Idx(IdxFile.ImagesMagic, [1, 1, 2], [1, 2]));
        folder.WriteBytes("t10k-labels-idx1-ubyte", TempFolder.Idx(IdxFile.LabelsMagic, [1], [3]));

        LoadedData loaded = DataSource.Load(folder.Path);

        Assert.Equal(4, loaded.Train.ClassCount);
        Assert.Equal(4, loaded.Test!.ClassCount);
        Assert.Equal([0f, 1f, 0.2f, 0f], loaded.Train.FeatureMemory.ToArray());
        Assert.Equal(new ImageShape(1, 2), loaded.Test.ImageShape);
    }

    [Fact]
    public void Folder_without_the_four_idx_files_names_them()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<FileNotFoundException>(() => DataSource.Load(folder.Path));

        Assert.Equal(folder.Path + ": expected the IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            + "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz).", error.Message);
    }

    [Fact]
    public void Unknown_name_says_what_is_accepted()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DataSource.Load("no-such-data.csv"));

        Assert.Equal("no-such-data.csv: no such file or folder; expected digits, fashion-mnist, a folder of IDX files or a CSV file.",
            error.Message);
    }

    [Fact]
    public void Test_file_for_a_source_with_its_own_test_set_is_an_argument_error()
    {
        var error = Assert.Throws<ArgumentException>(() => DataSource.Load("digits", "test.csv"));

        Assert.Equal("testData", error.ParamName);
    }
}
