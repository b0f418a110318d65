using System.Numerics;
using Backprop.Simd.Data;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>
/// A data set a <see cref="FitLoop{T}"/> trains or evaluates on: a feature matrix and either one class label per row
/// (cross-entropy) or a target matrix (MSE, BCE). It holds memory, not spans, so one instance serves every epoch and
/// every run; the arrays are not copied, so they must not change while a loop uses them. Optional sample weights
/// scale each row's loss (see <see cref="Trainer{T}.Step(ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T})"/>).
/// </summary>
/// <typeparam name="T">The element type of the network.</typeparam>
public sealed class FitData<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows with class labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n]  sampleWeights: [n] or empty (all 1).</remarks>
    /// <exception cref="ArgumentException">A count differs from the row count, or there are no rows.</exception>
    public FitData(ReadOnlyMemory2D<T> features, ReadOnlyMemory<int> labels, ReadOnlyMemory<T> sampleWeights = default)
    {
        RequireRows(features, sampleWeights);
        if (labels.Length != features.Height)
            throw new ArgumentException("labels has " + labels.Length + " entries but features has " + features.Height + " rows.", nameof(labels));
        Features = features;
        Labels = labels;
        SampleWeights = sampleWeights;
    }

    /// <summary>Rows with a target matrix.</summary>
    /// <remarks>features: [n, inputs]  targets: [n, outputs]  sampleWeights: [n] or empty (all 1).</remarks>
    /// <exception cref="ArgumentException">A count differs from the row count, or there are no rows.</exception>
    public FitData(ReadOnlyMemory2D<T> features, ReadOnlyMemory2D<T> targets, ReadOnlyMemory<T> sampleWeights = default)
    {
        RequireRows(features, sampleWeights);
        if (targets.Height != features.Height)
            throw new ArgumentException("targets has " + targets.Height + " rows but features has " + features.Height + ".", nameof(targets));
        Features = features;
        Targets = targets;
        SampleWeights = sampleWeights;
    }

    /// <summary>The features: [<see cref="Count"/>, inputs].</summary>
    public ReadOnlyMemory2D<T> Features { get; }

    /// <summary>The class labels: [<see cref="Count"/>]; empty when the data has targets.</summary>
    public ReadOnlyMemory<int> Labels { get; }

    /// <summary>The targets: [<see cref="Count"/>, outputs]; empty when the data has labels.</summary>
    public ReadOnlyMemory2D<T> Targets { get; }

    /// <summary>One weight per row, or empty when every row weighs 1.</summary>
    public ReadOnlyMemory<T> SampleWeights { get; }

    /// <summary>True when the rows carry class labels rather than targets.</summary>
    public bool HasLabels => Targets.IsEmpty;

    /// <summary>The number of rows.</summary>
    public int Count => Features.Height;

    private static void RequireRows(ReadOnlyMemory2D<T> features, ReadOnlyMemory<T> sampleWeights)
    {
        if (features.Height == 0) throw new ArgumentException("features has no rows.", nameof(features));
        if (!sampleWeights.IsEmpty && sampleWeights.Length != features.Height)
            throw new ArgumentException("sampleWeights has " + sampleWeights.Length + " entries but features has " + features.Height + " rows.", nameof(sampleWeights));
    }
}

/// <summary>Builds <see cref="FitData{T}"/> from the library's data sets.</summary>
public static class FitData
{
    /// <summary>The features and labels of <paramref name="dataset"/>, shared without copying.</summary>
    public static FitData<float> From(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new FitData<float>(dataset.FeatureMemory.AsMemory2D(dataset.SampleCount, dataset.FeatureCount),
            dataset.LabelMemory);
    }
}
