using System.CommandLine;
using System.Globalization;
using Backprop.Cli.Options;
using Backprop.Simd.Data;

namespace Backprop.Cli.Commands;

/// <summary>
/// The data a training run sees: the training set and the held-out set (test set, or a seeded stratified validation
/// split), limited and standardised as the options ask. A resumed run takes its standardisation from the checkpoint so
/// that it sees exactly the inputs the original run saw.
/// </summary>
internal sealed class PreparedData
{
    private PreparedData(Dataset train, Dataset heldOut, bool isTestSet, Standardization? standardization)
    {
        Train = train;
        HeldOut = heldOut;
        HeldOutName = isTestSet ? "test" : "validation";
        Standardization = standardization;
    }

    public Dataset Train { get; }

    public Dataset HeldOut { get; }

    /// <summary><c>test</c> or <c>validation</c>: what the held-out metrics measure.</summary>
    public string HeldOutName { get; }

    public Standardization? Standardization { get; }

    /// <summary>
    /// Loads the data the options name, holds out the test set or a <paramref name="validationSplit"/> share (split
    /// by <paramref name="seed"/>), keeps the first <paramref name="limit"/> rows of each, and standardises with
    /// <paramref name="saved"/> (a model's statistics) or, when <paramref name="standardize"/>, the training set's.
    /// </summary>
    public static PreparedData Load(DataOptions options, ParseResult parsed, double validationSplit, ulong seed, int? limit,
        Standardization? saved, bool standardize)
    {
        LoadedData loaded = options.Load(parsed);
        DatasetPair pair = loaded.WithHeldOut(validationSplit, seed);
        Dataset train = pair.Train, heldOut = pair.Test;
        if (limit is int rows)
        {
            if (rows < 1) throw new UsageException("--limit must be at least 1.");
            train = First(train, rows);
            heldOut = First(heldOut, rows);
        }
        Standardization? standardization = saved ?? (standardize ? Standardization.Fit(train) : null);
        if (standardization is not null)
        {
            if (standardization.FeatureCount != train.FeatureCount)
                throw new UsageException("The model's standardisation has " + standardization.FeatureCount
                    + " features; the data has " + train.FeatureCount + ".");
            train = standardization.Apply(train);
            heldOut = standardization.Apply(heldOut);
        }
        return new PreparedData(train, heldOut, loaded.Test is not null, standardization);
    }

    /// <summary>Checks that a network (e.g. from a checkpoint) takes this data's features and predicts its classes.</summary>
    public void RequireFits(int inputSize, int outputSize, string? source)
    {
        if (inputSize == Train.FeatureCount && outputSize == Train.ClassCount) return;
        throw new DataFormatException((source ?? "The network") + " takes " + inputSize + " features and predicts "
            + outputSize + " classes; the data has " + Train.FeatureCount + " features and " + Train.ClassCount
            + " classes.");
    }

    public string Describe(double loadSeconds) => string.Create(CultureInfo.InvariantCulture,
        $"data {Train.Name}: {Train.SampleCount} training and {HeldOut.SampleCount} {HeldOutName} samples, "
        + $"{Train.FeatureCount} features, {Train.ClassCount} classes{(Standardization is null ? "" : ", standardised")} "
        + $"(loaded in {loadSeconds:F2} s)");

    private static Dataset First(Dataset data, int count)
    {
        if (count >= data.SampleCount) return data;
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = i;
        return data.Subset(indices);
    }
}
