using Backprop.Simd.Kernels;

namespace Backprop.Simd.Data;

/// <summary>Data sets that ship inside the library.</summary>
public static class Datasets
{
    private const string DigitsResource = "Backprop.Simd.Resources.digits.csv.gz";

    /// <summary>
    /// The 1,797 handwritten digits (8×8 images, pixel counts 0..16, classes 0..9) from "Optical Recognition of
    /// Handwritten Digits" (E. Alpaydin, C. Kaynak, 1998, UCI Machine Learning Repository, CC BY 4.0), embedded in the
    /// library. Pixels are divided by 16 into [0, 1] unless <paramref name="scalePixels"/> is false.
    /// </summary>
    /// <param name="scalePixels">Divide pixels by 16 (the default) or keep the counts 0..16.</param>
    public static Dataset Digits(bool scalePixels = true)
    {
        using Stream stream = typeof(Datasets).Assembly.GetManifestResourceStream(DigitsResource)
            ?? throw new InvalidOperationException("The embedded resource " + DigitsResource + " is missing from the library.");
        byte[] content = DataFile.ReadAll(stream, DigitsResource);
        var options = new CsvOptions { HasHeader = false, ImageShape = new ImageShape(8, 8) };
        Dataset digits = CsvFile.Parse(content, DigitsResource, "digits", options, classNames: null);
        if (scalePixels) VectorArithmetic.Scale<float>(digits.FeatureArray, 1f / 16, digits.FeatureArray); // exact: 1/16 is a power of two
        return digits;
    }
}
