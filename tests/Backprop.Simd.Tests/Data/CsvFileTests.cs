using Backprop.Simd.Data;

namespace Backprop.Simd.Tests.Data;

public class CsvFileTests
{
    [Fact]
    public void Headerless_file_reads_features_and_integer_labels_from_the_last_column()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("plain.csv", "1,2.5,0\n-3,4e1,1\r\n5, 6 ,0\n\n");

        Dataset data = CsvFile.Read(path);

        Assert.Equal("plain.csv", data.Name);
        Assert.Equal(3, data.SampleCount);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal([1f, 2.5f, -3f, 40f, 5f, 6f], data.FeatureMemory.ToArray());
        Assert.Equal([0, 1, 0], data.Labels.ToArray());
        Assert.Equal(["0", "1"], data.ClassNames);
        Assert.Null(data.ImageShape);
    }

    [Fact]
    public void Header_is_detected_and_skipped()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("header.csv", "width,height,class\n1,2,0\n3,4,1\n");

        Dataset data = CsvFile.Read(path);

        Assert.Equal(2, data.SampleCount);
        Assert.Equal([1f, 2f, 3f, 4f], data.FeatureMemory.ToArray());
    }

    [Fact]
    public void Header_option_false_makes_a_text_first_line_a_non_numeric_cell_error()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("header.csv", "width,height,class\n1,2,0\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path, new CsvOptions { HasHeader = false }));

        Assert.Equal(path + ": line 1, column 1: 'width' is not a finite number.", error.Message);
    }

    [Fact]
    public void Label_column_chosen_by_name()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("named.csv", "\"label\",a,b\n7,1,2\n9,3,4\n7,5,6\n");

        Dataset data = CsvFile.Read(path, new CsvOptions { LabelColumnName = "label" });

        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], data.FeatureMemory.ToArray());
        Assert.Equal([0, 1, 0], data.Labels.ToArray());
        Assert.Equal(["7", "9"], data.ClassNames);
    }

    [Fact]
    public void Label_column_chosen_by_index_from_the_start_or_the_end()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("indexed.csv", "1,10,2\n0,20,3\n");

        Dataset first = CsvFile.Read(path, new CsvOptions { LabelColumnIndex = 0 });
        Dataset middle = CsvFile.Read(path, new CsvOptions { LabelColumnIndex = -2 });

        Assert.Equal([10f, 2f, 20f, 3f], first.FeatureMemory.ToArray());
        Assert.Equal([1, 0], first.Labels.ToArray());
        Assert.Equal([1f, 2f, 0f, 3f], middle.FeatureMemory.ToArray());
        Assert.Equal(["10", "20"], middle.ClassNames);
    }

    [Fact]
    public void Any_integer_labels_map_to_consecutive_classes_in_numeric_order()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("sparse.csv", "0.5,100\n0.5,-4\n0.5,7\n0.5,007\n0.5,100\n");

        Dataset data = CsvFile.Read(path);

        Assert.Equal(["-4", "7", "100"], data.ClassNames);
        Assert.Equal([2, 0, 1, 1, 2], data.Labels.ToArray());
    }

    [Fact]
    public void Text_labels_become_classes_in_ordinal_order()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("iris.csv", "5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,3.3,\"virginica\"\n4.9,3.0,setosa\n");

        Dataset data = CsvFile.Read(path);

        Assert.Equal(4, data.SampleCount);
        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames);
        Assert.Equal([0, 1, 2, 0], data.Labels.ToArray());
    }

    [Fact]
    public void Test_file_uses_the_training_files_class_mapping()
    {
        using var folder = new TempFolder();
        string train = folder.WriteText("train.csv", "x,y\n1,cat\n2,dog\n3,bird\n");
        string test = folder.WriteText("test.csv", "x,y\n4,dog\n5,dog\n6,cat\n");

        DatasetPair pair = CsvFile.Read(train, test);

        Assert.Equal(["bird", "cat", "dog"], pair.Test.ClassNames);
        Assert.Equal([2, 2, 1], pair.Test.Labels.ToArray());
        Assert.Equal([4f, 5f, 6f], pair.Test.FeatureMemory.ToArray());
    }

    [Fact]
    public void Test_file_with_a_label_unknown_to_the_training_file_is_rejected_with_its_line()
    {
        using var folder = new TempFolder();
        string train = folder.WriteText("train.csv", "1,cat\n2,dog\n");
        string test = folder.WriteText("test.csv", "4,dog\n5,cow\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(train, test));

        Assert.Equal(test + ": line 2, column 2: class 'cow' does not occur in the training data.", error.Message);
    }

    [Fact]
    public void Test_file_with_a_different_feature_count_is_rejected()
    {
        using var folder = new TempFolder();
        string train = folder.WriteText("train.csv", "1,2,0\n");
        string test = folder.WriteText("test.csv", "1,0\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(train, test));

        Assert.Equal(test + ": has 1 features but the training file " + train + " has 2.", error.Message);
    }

    [Fact]
    public void Gzipped_csv_is_read_like_plain_csv()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("data.csv.gz", "1,2,0\n3,4,1\n"u8.ToArray(), gzip: true);

        Dataset data = CsvFile.Read(path);

        Assert.Equal([1f, 2f, 3f, 4f], data.FeatureMemory.ToArray());
    }

    [Fact]
    public void Non_numeric_cell_names_its_line_and_column()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("bad.csv", "a,b,label\n1,2,0\n\n3,x7,1\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path));

        Assert.Equal(path, error.Path);
        Assert.Equal(path + ": line 4, column 2: 'x7' is not a finite number.", error.Message);
    }

    [Fact]
    public void Infinite_or_nan_cells_are_rejected_like_text()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("nan.csv", "1,2,0\nNaN,2,1\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path));

        Assert.Equal(path + ": line 2, column 1: 'NaN' is not a finite number.", error.Message);
    }

    [Theory]
    [InlineData("1,2,0\n1,2\n", "line 2 has 2 columns, expected 3.")]
    [InlineData("1,2,0\n1,2,3,4\n", "line 2 has 4 columns, expected 3.")]
    public void Ragged_rows_name_the_line_and_both_column_counts(string content, string problem)
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("ragged.csv", content);

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path));

        Assert.Equal(path + ": " + problem, error.Message);
    }

    [Theory]
    [InlineData("", "the file is empty.")]
    [InlineData("\n  \r\n", "the file is empty.")]
    [InlineData("a,b,label\n", "the file has a header but no data rows.")]
    public void Empty_files_are_reported(string content, string problem)
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("empty.csv", content);

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path));

        Assert.Equal(path + ": " + problem, error.Message);
    }

    [Fact]
    public void Unknown_label_column_name_lists_the_header()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("named.csv", "a,b,c\n1,2,3\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path, new CsvOptions { LabelColumnName = "target" }));

        Assert.Equal(path + ": no column named 'target' in the header: a,b,c.", error.Message);
    }

    [Fact]
    public void Label_column_index_out_of_range_is_reported()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("index.csv", "1,2,3\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path, new CsvOptions { LabelColumnIndex = 3 }));

        Assert.Equal(path + ": label column index 3 is out of range for 3 columns.", error.Message);
    }

    [Fact]
    public void Too_many_distinct_labels_suggest_the_wrong_label_column()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("continuous.csv", "1,0.1\n2,0.2\n3,0.3\n4,0.4\n");

        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path, new CsvOptions { MaxClasses = 3 }));

        Assert.Equal(path + ": line 4, column 2: more than 3 distinct labels; is the label column the right one?", error.Message);
    }

    [Fact]
    public void Missing_file_throws_file_not_found_with_the_path()
    {
        using var folder = new TempFolder();
        string path = folder.File("absent.csv");

        var error = Assert.Throws<FileNotFoundException>(() => CsvFile.Read(path));

        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void Image_shape_option_is_checked_against_the_feature_count()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("pixels.csv", "1,2,3,4,0\n");

        Dataset data = CsvFile.Read(path, new CsvOptions { ImageShape = new ImageShape(2, 2) });
        var error = Assert.Throws<DataFormatException>(() => CsvFile.Read(path, new CsvOptions { ImageShape = new ImageShape(3, 3) }));

        Assert.Equal(new ImageShape(2, 2), data.ImageShape);
        Assert.Equal(path + ": has 4 features but the image shape 3×3 has 9 pixels.", error.Message);
    }
}
