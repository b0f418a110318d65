using System.Numerics;
using Backprop.Simd.Inference;
using Backprop.Simd.Kernels;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>The loss and accuracy of a network over a whole data set.</summary>
/// <param name="Loss">The (weighted) mean loss over every row, as one batch of them all would give it.</param>
/// <param name="Accuracy">The fraction of rows whose largest output is their label (unweighted); NaN for targets.</param>
/// <param name="Count">The number of rows.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);

/// <summary>
/// Measures a trained network over data sets of any size, in chunks: of a trainer's <c>MaxBatch</c>, with the trainer's
/// own forward pass and loss, class weights included (parameters and gradients are untouched); or of an
/// <see cref="InferenceSession{T}"/>'s, with the predictions a frozen model serves (bfloat16 weights included).
/// </summary>
public static class Evaluation
{
    /// <summary>Loss and accuracy over <paramref name="data"/>, with its sample weights.</summary>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, FitData<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(data);
        return Measure(trainer, data, new int[Math.Min(trainer.MaxBatch, data.Count)]);
    }

    /// <summary>Loss and accuracy over rows with class labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n]  sampleWeights: [n] or empty.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels,
        ReadOnlySpan<T> sampleWeights = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Measure(new TrainerChunks<T>(trainer), features, labels, default, sampleWeights, new int[Math.Min(trainer.MaxBatch, features.Height)]);
    }

    /// <summary>Loss over rows with a target matrix (accuracy is NaN).</summary>
    /// <remarks>features: [n, inputs]  targets: [n, outputs]  sampleWeights: [n] or empty.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network or the loss.</exception>
    public static EvaluationResult Evaluate<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Measure(new TrainerChunks<T>(trainer), features, default, targets, sampleWeights, default);
    }

    /// <summary>The confusion matrix of the predicted classes (largest output) against the labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n] in 0..outputs−1.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public static ConfusionMatrix ConfusionMatrix<T>(Trainer<T> trainer, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        RequireLabelPerRow(features.Height, labels.Length);
        var predicted = new int[features.Height];
        trainer.PredictClasses(features, predicted);
        return Tally(trainer.Network.OutputSize, labels, predicted);
    }

    /// <summary>Loss and accuracy of a frozen model's predictions over <paramref name="data"/>, with its sample weights.</summary>
    /// <param name="session">The session that predicts, in chunks of its <c>MaxBatch</c>.</param>
    /// <param name="loss">The loss to measure (the one the model was trained with).</param>
    /// <param name="data">The rows, with labels or targets as <paramref name="loss"/> takes them.</param>
    /// <exception cref="ArgumentException">A shape disagrees with the model or the loss, or an input is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public static EvaluationResult Evaluate<T>(InferenceSession<T> session, Loss loss, FitData<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(data);
        if (data.HasLabels != loss.UsesClassLabels)
            throw new ArgumentException(loss.Kind + " is measured against " + (loss.UsesClassLabels ? "class labels" : "a target matrix")
                + " but the data has " + (data.HasLabels ? "class labels" : "targets") + ".", nameof(data));
        int chunk = Math.Min(session.MaxBatch, Math.Max(1, data.Count));
        var chunks = new SessionChunks<T>(session, loss, new T[chunk * session.OutputSize]);
        return data.HasLabels
            ? Measure(chunks, data.Features.Span, data.Labels.Span, default, data.SampleWeights.Span, new int[chunk])
            : Measure(chunks, data.Features.Span, default, data.Targets.Span, data.SampleWeights.Span, default);
    }

    /// <summary>The confusion matrix of a frozen model's predicted classes against the labels.</summary>
    /// <remarks>features: [n, inputs]  labels: [n] in 0..outputs−1.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the model, or an input is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public static ConfusionMatrix ConfusionMatrix<T>(InferenceSession<T> session, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(session);
        RequireLabelPerRow(features.Height, labels.Length);
        var predicted = new int[features.Height];
        session.PredictClasses(features, predicted);
        return Tally(session.OutputSize, labels, predicted);
    }

    private static void RequireLabelPerRow(int rows, int labels)
    {
        if (labels != rows)
            throw new ArgumentException("labels has " + labels + " entries but features has " + rows + " rows.", "labels");
    }

    private static ConfusionMatrix Tally(int classes, ReadOnlySpan<int> labels, ReadOnlySpan<int> predicted)
    {
        var matrix = new ConfusionMatrix(classes);
        for (int i = 0; i < predicted.Length; i++) matrix.Add(labels[i], predicted[i]);
        return matrix;
    }

    internal static EvaluationResult Measure<T>(Trainer<T> trainer, FitData<T> data, Span<int> predicted)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        data.HasLabels
            ? Measure(new TrainerChunks<T>(trainer), data.Features.Span, data.Labels.Span, default, data.SampleWeights.Span, predicted)
            : Measure(new TrainerChunks<T>(trainer), data.Features.Span, default, data.Targets.Span, data.SampleWeights.Span, default);

    // Each chunk's mean loss is weighted by the chunk's share of the loss's denominator (its rows when unweighted), so
    // the result equals the mean over one batch of every row. predicted: scratch of ≥ min(MaxBatch, n) entries.
    private static EvaluationResult Measure<T, TChunks>(TChunks chunks, ReadOnlySpan2D<T> features, ReadOnlySpan<int> labels,
        ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights, Span<int> predicted)
        where T : unmanaged, IFloatingPointIeee754<T> where TChunks : struct, IChunkOutputs<T>
    {
        bool useLabels = chunks.Loss.UsesClassLabels;
        int n = features.Height, correct = 0;
        double lossSum = 0, weightSum = 0;
        for (int row = 0; row < n; row += chunks.MaxBatch)
        {
            int rows = Math.Min(chunks.MaxBatch, n - row);
            ReadOnlySpan2D<T> x = features.Slice(row, 0, rows, features.Width);
            ReadOnlySpan<T> s = sampleWeights.IsEmpty ? default : sampleWeights.Slice(row, rows);
            ReadOnlySpan<int> y = useLabels ? labels.Slice(row, rows) : default;
            ReadOnlySpan2D<T> t = useLabels ? default : targets.Slice(row, 0, rows, targets.Width);
            double weight = LossDenominator(rows, y, s, chunks.ClassWeights);
            ReadOnlySpan2D<T> outputs = chunks.Outputs(x, y, t, useLabels);
            T loss = chunks.Loss.Evaluate(outputs, y, t, s, chunks.ClassWeights, default);
            if (weight != 0) lossSum += double.CreateTruncating(loss) * weight;
            weightSum += weight;
            if (useLabels) correct += CountCorrect(outputs, y, predicted);
        }
        return new EvaluationResult(lossSum / weightSum, useLabels ? (double)correct / n : double.NaN, n);
    }

    // Where Measure gets each chunk's outputs (checked against the labels or targets) and the loss to apply to them.
    private interface IChunkOutputs<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        int MaxBatch { get; }

        Loss Loss { get; }

        ReadOnlySpan<T> ClassWeights { get; }

        ReadOnlySpan2D<T> Outputs(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets, bool useLabels);
    }

    private readonly struct TrainerChunks<T>(Trainer<T> trainer) : IChunkOutputs<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int MaxBatch => trainer.MaxBatch;

        public Loss Loss => trainer.Loss;

        public ReadOnlySpan<T> ClassWeights => trainer.ClassWeights;

        public ReadOnlySpan2D<T> Outputs(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets, bool useLabels) =>
            trainer.ValidatedForward(inputs, labels, targets, useLabels);
    }

    // outputs: scratch of [MaxBatch, outputs].
    private readonly struct SessionChunks<T>(InferenceSession<T> session, Loss loss, T[] outputs) : IChunkOutputs<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int MaxBatch => outputs.Length / session.OutputSize;

        public Loss Loss => loss;

        public ReadOnlySpan<T> ClassWeights => default;

        public ReadOnlySpan2D<T> Outputs(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets, bool useLabels)
        {
            BatchValidation.RequireTargets(session.OutputSize, inputs.Height, labels, targets, useLabels);
            var chunk = new Span2D<T>(outputs, inputs.Height, session.OutputSize);
            session.Predict(inputs, chunk);
            return chunk;
        }
    }

    // What the loss's weighted mean divides by, in rows' units: Σ_b s_b·w[label_b] (PyTorch's "sum of the weights of
    // the targets"), Σ_b s_b without class weights, the row count without either.
    internal static double LossDenominator<T>(int rows, ReadOnlySpan<int> labels, ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> classWeights) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sampleWeights.IsEmpty && classWeights.IsEmpty) return rows;
        double sum = 0;
        for (int b = 0; b < rows; b++)
        {
            double s = sampleWeights.IsEmpty ? 1 : double.CreateTruncating(sampleWeights[b]);
            double w = classWeights.IsEmpty ? 1 : double.CreateTruncating(classWeights[labels[b]]);
            sum += s * w;
        }
        return sum;
    }

    // outputs: [b, C]  labels: [b]  predicted: scratch of ≥ b entries.
    internal static int CountCorrect<T>(ReadOnlySpan2D<T> outputs, ReadOnlySpan<int> labels, Span<int> predicted)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<int> classes = predicted[..labels.Length];
        Reductions.ArgMaxRows(outputs, classes);
        int correct = 0;
        for (int i = 0; i < classes.Length; i++) correct += classes[i] == labels[i] ? 1 : 0;
        return correct;
    }
}
