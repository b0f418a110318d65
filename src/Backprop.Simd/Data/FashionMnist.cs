namespace Backprop.Simd.Data;

/// <summary>
/// Fashion-MNIST (Zalando Research, MIT licence): 70,000 grey 28×28 images of clothing in 10 classes, 60,000 for
/// training and 10,000 for testing, read from the IDX files Debian's package <c>dataset-fashion-mnist</c> installs.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The environment variable naming another folder that holds the four files.</summary>
    public const string FolderVariable = "BACKPROP_FASHION_MNIST";

    /// <summary>The command that installs the data set on Debian and Ubuntu.</summary>
    public const string InstallCommand = "apt-get install -y dataset-fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads the training and test sets, pixels divided by 255. Looks in <paramref name="folder"/> when given;
    /// otherwise in the folder named by <see cref="FolderVariable"/> when set, then in <see cref="DebianFolder"/>.
    /// Each file may be gzipped (<c>.gz</c>) or raw.
    /// </summary>
    /// <param name="folder">The folder holding the four files, or null to search the usual places.</param>
    /// <param name="scalePixels">Divide pixels by 255 (the default) or keep 0..255.</param>
    /// <exception cref="DatasetNotInstalledException">No searched folder holds all four files; the message lists
    /// the folders and the install command.</exception>
    /// <exception cref="DataFormatException">A file is corrupt.</exception>
    public static DatasetPair Load(string? folder = null, bool scalePixels = true) =>
        IdxFile.ReadFolder(Locate(folder), "fashion-mnist", ClassNames, scalePixels);

    /// <summary>The first searched folder that holds all four files (see <see cref="Load"/> for the search order).</summary>
    /// <param name="folder">The folder to use, or null to search the usual places.</param>
    /// <exception cref="DatasetNotInstalledException">No searched folder holds all four files.</exception>
    public static string Locate(string? folder = null)
    {
        var searched = new List<string>();
        if (folder is not null) searched.Add(folder);
        else
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(FolderVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment)) searched.Add(fromEnvironment);
            searched.Add(DebianFolder);
        }

        foreach (string candidate in searched)
            if (IdxFile.FindStandardFiles(candidate) is not null) return candidate;

        throw new DatasetNotInstalledException(
            "Fashion-MNIST not found (looked in " + string.Join(", ", searched) + " for " + IdxFile.StandardFileNames[0]
            + "[.gz] and its three siblings). Install it with `" + InstallCommand + "` (Debian/Ubuntu, as root), or set "
            + FolderVariable + " to a folder holding the four IDX files.",
            searched);
    }
}
