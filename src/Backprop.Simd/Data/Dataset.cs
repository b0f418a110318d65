using System.Globalization;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Data;

/// <summary>
/// Labelled samples for classification: one contiguous row-major feature block <c>[samples, features]</c> and one class
/// index per sample. A data set is read-only once built; scaling and splitting produce new data sets.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly string[] _classNames;

    /// <summary>
    /// Wraps existing arrays without copying them; the data set takes ownership, so the caller must not change them
    /// afterwards.
    /// </summary>
    /// <param name="name">A short name for messages and reports (e.g. <c>digits</c> or a file name).</param>
    /// <param name="features">Row-major <c>[samples, featureCount]</c>.</param>
    /// <param name="labels">One class index per sample, each in <c>0 .. classNames.Count − 1</c>.</param>
    /// <param name="featureCount">Features per sample (at least 1).</param>
    /// <param name="classNames">One name per class; its count is the class count (at least 1).</param>
    /// <param name="imageShape">The image each row was flattened from, if any; its pixels must equal <paramref name="featureCount"/>.</param>
    /// <exception cref="ArgumentException">The sizes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside the class range.</exception>
    public Dataset(string name, float[] features, int[] labels, int featureCount, IReadOnlyList<string> classNames,
        ImageShape? imageShape = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (classNames.Count == 0) throw new ArgumentException("At least one class name is required.", nameof(classNames));
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException(
                $"features has {features.Length} values but labels.Length × featureCount = {labels.Length} × {featureCount}.",
                nameof(features));
        if (imageShape is { } shape && shape.Pixels != featureCount)
            throw new ArgumentException(
                $"imageShape {shape.Rows}×{shape.Columns} has {shape.Pixels} pixels but featureCount is {featureCount}.",
                nameof(imageShape));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"labels[{i}] = {labels[i]} is outside 0..{classNames.Count - 1}.");

        Name = name;
        _features = features;
        _labels = labels;
        FeatureCount = featureCount;
        _classNames = [.. classNames];
        ImageShape = imageShape;
    }

    /// <summary>A short name for messages and reports.</summary>
    public string Name { get; }

    /// <summary>Number of samples (rows).</summary>
    public int SampleCount => _labels.Length;

    /// <summary>Number of features per sample (columns).</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes; every label is in <c>0 .. ClassCount − 1</c>.</summary>
    public int ClassCount => _classNames.Length;

    /// <summary>The name of each class, indexed by label (for integer labels, the integer as written in the file).</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>The image each row was flattened from (row by row), or null for tabular data.</summary>
    public ImageShape? ImageShape { get; }

    /// <summary>All features as a row-major matrix <c>[SampleCount, FeatureCount]</c>.</summary>
    public ReadOnlySpan2D<float> Features => new(_features, SampleCount, FeatureCount);

    /// <summary>All features as one flat block, row after row, for callers that keep it across awaits or threads.</summary>
    public ReadOnlyMemory<float> FeatureMemory => _features;

    /// <summary>The class index of every sample.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The class index of every sample, as memory.</summary>
    public ReadOnlyMemory<int> LabelMemory => _labels;

    /// <summary>The features of one sample.</summary>
    /// <param name="index">The sample, in <c>0 .. SampleCount − 1</c>.</param>
    public ReadOnlySpan<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)SampleCount, nameof(index));
        return _features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>How many samples each class has, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in _labels) counts[label]++;
        return counts;
    }

    /// <summary>A new data set holding the given samples in the given order (one allocation per array).</summary>
    /// <param name="indices">Sample indices to copy; repeats are allowed.</param>
    /// <param name="name">The new data set's name; defaults to this one's.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>0 .. SampleCount − 1</c>.</exception>
    public Dataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var features = GC.AllocateUninitializedArray<float>(indices.Length * FeatureCount);
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)SampleCount)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"indices[{i}] = {source} is outside 0..{SampleCount - 1}.");
            _features.AsSpan(source * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount));
            labels[i] = _labels[source];
        }
        return FromValidated(name ?? Name, features, labels, FeatureCount, _classNames, ImageShape);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {SampleCount} samples × {FeatureCount} features, {ClassCount} classes");

    /// <summary>Wraps arrays that a loader in this folder has already validated, skipping the checks.</summary>
    internal static Dataset FromValidated(string name, float[] features, int[] labels, int featureCount,
        string[] classNames, ImageShape? imageShape) =>
        new(features, labels, classNames, featureCount, imageShape, name);

    private Dataset(float[] features, int[] labels, string[] classNames, int featureCount, ImageShape? imageShape,
        string name)
    {
        Name = name;
        _features = features;
        _labels = labels;
        FeatureCount = featureCount;
        _classNames = classNames;
        ImageShape = imageShape;
    }

    /// <summary>The feature block itself, for loaders that scale in place before anyone else sees it.</summary>
    internal float[] FeatureArray => _features;

    /// <summary>The label array itself, shared (never copied) by data sets that differ only in their features.</summary>
    internal int[] LabelArray => _labels;

    /// <summary>The class names array itself, shared by data sets derived from one another.</summary>
    internal string[] ClassNameArray => _classNames;

    /// <summary>Class names <c>"0"</c>, <c>"1"</c>, … for data whose labels are already class indices.</summary>
    internal static string[] NumberedClassNames(int count)
    {
        var names = new string[count];
        for (int i = 0; i < count; i++) names[i] = i.ToString(CultureInfo.InvariantCulture);
        return names;
    }
}
