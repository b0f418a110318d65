using Backprop.Simd.Data;
using Backprop.Simd.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;

namespace Backprop.Cli.Commands;

/// <summary>The fit loop's view of a data set: class labels for cross-entropy, one-hot target rows for MSE and BCE.</summary>
internal static class TrainingData
{
    public static FitData<float> For(Dataset data, LossKind loss)
    {
        if (loss == LossKind.SoftmaxCrossEntropy) return FitData.From(data);
        var targets = new float[data.SampleCount * data.ClassCount];
        ReadOnlySpan<int> labels = data.Labels;
        for (int i = 0; i < labels.Length; i++) targets[i * data.ClassCount + labels[i]] = 1;
        return new FitData<float>(data.FeatureMemory.AsMemory2D(data.SampleCount, data.FeatureCount),
            new ReadOnlyMemory2D<float>(targets, data.SampleCount, data.ClassCount));
    }
}
