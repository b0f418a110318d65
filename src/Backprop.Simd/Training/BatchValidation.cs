using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>The checks a trainer makes of a batch before it touches anything: shapes, labels, the kind of target.</summary>
internal static class BatchValidation
{
    public static void Validate<T>(Network<T> network, Loss loss, int maxBatch, ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels,
        ReadOnlySpan2D<T> targets, bool useLabels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireInputWidth(network, inputs);
        int batch = inputs.Height;
        if (batch < 1 || batch > maxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(inputs), batch,
                "The batch has " + batch + " rows; this trainer takes 1 to " + maxBatch + " (its maxBatch).");
        }
        if (useLabels != loss.UsesClassLabels)
        {
            throw new ArgumentException(loss.Kind + " trains against " + (loss.UsesClassLabels ? "class labels" : "a target matrix")
                + "; pass " + (loss.UsesClassLabels ? "labels" : "targets") + " instead.", useLabels ? nameof(labels) : nameof(targets));
        }
        RequireTargets(network.OutputSize, batch, labels, targets, useLabels);
    }

    // labels: [batch] in 0..classes−1 when useLabels, else targets: [batch, classes].
    public static void RequireTargets<T>(int classes, int batch, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets, bool useLabels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (useLabels)
        {
            if (labels.Length != batch)
                throw new ArgumentException("labels has " + labels.Length + " entries but inputs has " + batch + " rows.", nameof(labels));
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes) ThrowLabel(i, labels[i], classes);
            }
        }
        else if (targets.Height != batch || targets.Width != classes)
        {
            ThrowShape(nameof(targets), targets.Height, targets.Width, batch, classes);
        }
    }

    public static void RequireInputWidth<T>(Network<T> network, ReadOnlySpan2D<T> inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inputs.Width != network.InputSize)
        {
            throw new ArgumentException("inputs has " + inputs.Width + " columns but the network takes "
                + network.InputSize + " input features.", nameof(inputs));
        }
    }

    [DoesNotReturn]
    private static void ThrowLabel(int index, int label, int classes) =>
        throw new ArgumentOutOfRangeException("labels", label,
            "labels[" + index + "] is " + label + " but the network has " + classes + " outputs (classes 0 to " + (classes - 1) + ").");

    [DoesNotReturn]
    public static void ThrowShape(string name, int rows, int columns, int expectedRows, int expectedColumns) =>
        throw new ArgumentException(name + " is [" + rows + ", " + columns + "] but must be [" + expectedRows + ", "
            + expectedColumns + "].", name);
}
