using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Backprop.Simd.Kernels;
using Backprop.Simd.Memory;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Inference;

/// <summary>
/// One thread's way into a shared <see cref="FrozenModel{T}"/> (or the current model of a <see cref="PublishedModel{T}"/>):
/// it owns the activation buffers for up to <see cref="MaxBatch"/> rows per pass, so predictions allocate nothing, take
/// no lock and queue no work. A session is not thread-safe; give each thread its own (they are small: two buffers of
/// <see cref="MaxBatch"/> rows of the widest layer). A call made while another thread is inside one on the same session
/// throws <see cref="InvalidOperationException"/> rather than mixing their answers.
/// </summary>
/// <remarks>
/// Every call reads the model once and uses it for the whole call, so a prediction made during a
/// <see cref="PublishedModel{T}.Publish(FrozenModel{T})"/> comes entirely from the old model or entirely from the new.
/// <para>Lifetime rule: a span returned by <see cref="Predict(ReadOnlySpan{T})"/> points into this session's buffers;
/// it is valid until the next call on this session and must not be kept or handed to another thread.</para>
/// </remarks>
/// <typeparam name="T">The element type of the model.</typeparam>
public sealed class InferenceSession<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly FrozenModel<T> _model;
    private readonly PublishedModel<T>? _published;
    private readonly T[] _ping, _pong;
    private int _inUse;

    internal InferenceSession(FrozenModel<T> model, PublishedModel<T>? published, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        _model = model;
        _published = published;
        MaxBatch = maxBatch;
        _ping = new T[Sizing.Elements((long)maxBatch * model.MaxPaddedWidth, "A session of " + maxBatch + " rows", nameof(maxBatch))];
        _pong = new T[_ping.Length];
    }

    /// <summary>The most rows one pass computes; larger batches are predicted in passes of this many rows.</summary>
    public int MaxBatch { get; }

    /// <summary>
    /// Threads that share each prediction; null (the default) predicts on the calling thread alone. A batch of at least
    /// <see cref="MinimumParallelRows"/> rows is shared in blocks of whole rows; a shorter one, a single row included,
    /// layer by layer, each thread computing its own columns of every layer with large weights (W1's first layer), so
    /// that each core streams only its share of them from its own cache. Each row's outputs are bit-identical for any
    /// thread count. A pool runs one job at a time: give each session that predicts concurrently its own pool, or none.
    /// </summary>
    public WorkerPool? Pool { get; set; }

    /// <summary>The smallest batch a <see cref="Pool"/> shares by rows: below it, blocks of rows would be too short to pay for a hand-off.</summary>
    public const int MinimumParallelRows = 16;

    /// <summary>The model the next call will use: the fixed one, or the latest published one.</summary>
    public FrozenModel<T> Model => _published is null ? _model : _published.Current;

    /// <summary>The number of input features.</summary>
    public int InputSize => _model.InputSize;

    /// <summary>The number of outputs.</summary>
    public int OutputSize => _model.OutputSize;

    /// <summary>
    /// Predicts one row and returns the outputs inside this session's buffers: valid only until the next call on this
    /// session (copy them to keep them).
    /// </summary>
    /// <remarks>input: [inputs]  →  [outputs].</remarks>
    /// <exception cref="ArgumentException"><paramref name="input"/> does not have <see cref="InputSize"/> elements, or one is NaN or infinite.</exception>
    public ReadOnlySpan<T> Predict(ReadOnlySpan<T> input)
    {
        Enter();
        try { return PredictRow(input); }
        finally { Exit(); }
    }

    private ReadOnlySpan<T> PredictRow(ReadOnlySpan<T> input)
    {
        Check.Length(InputSize, "the model's input size", input.Length, nameof(input));
        RequireFinite(input, 0, nameof(input));
        return Forward(Model, AsRow(input)).GetRowSpan(0);
    }

    /// <summary>Predicts one row into <paramref name="output"/>.</summary>
    /// <remarks>input: [inputs]  output: [outputs].</remarks>
    /// <exception cref="ArgumentException">A length disagrees with the model, or an input is NaN or infinite.</exception>
    public void Predict(ReadOnlySpan<T> input, Span<T> output)
    {
        Check.Length(OutputSize, "the model's output size", output.Length, nameof(output));
        Enter();
        try { PredictRow(input).CopyTo(output); }
        finally { Exit(); }
    }

    /// <summary>Predicts a batch of any size, in passes of up to <see cref="MaxBatch"/> rows.</summary>
    /// <remarks>inputs: [b, inputs]  outputs: [b, outputs].</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the model or the other argument, or an input is NaN or infinite.</exception>
    public void Predict(ReadOnlySpan2D<T> inputs, Span2D<T> outputs)
    {
        CheckBatch(inputs, outputs.Height, nameof(outputs));
        Check.Length(OutputSize, "the model's output size", outputs.Width, nameof(outputs));
        Enter();
        try
        {
            FrozenModel<T> model = Model;
            for (int row = 0; row < inputs.Height; row += MaxBatch)
            {
                int rows = Math.Min(MaxBatch, inputs.Height - row);
                RequireFinite(inputs, row, rows);
                Forward(model, inputs.Slice(row, 0, rows, InputSize)).CopyTo(outputs.Slice(row, 0, rows, OutputSize));
            }
        }
        finally { Exit(); }
    }

    /// <summary>Predicts a batch given as rank-2 tensors.</summary>
    /// <remarks>inputs: [b, inputs]  outputs: [b, outputs], each with contiguous rows.</remarks>
    /// <exception cref="ArgumentException">A tensor is not rank 2 with contiguous rows, or a shape disagrees.</exception>
    public void Predict(ReadOnlyTensorSpan<T> inputs, TensorSpan<T> outputs) =>
        Predict(TensorViews.AsReadOnlySpan2D(inputs, nameof(inputs)), TensorViews.AsSpan2D(outputs, nameof(outputs)));

    /// <summary>The index of the largest output for one row (the first of equals), e.g. the predicted class.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> does not have <see cref="InputSize"/> elements, or one is NaN or infinite.</exception>
    public int PredictClass(ReadOnlySpan<T> input)
    {
        Span<int> index = stackalloc int[1];
        Enter();
        try { Reductions.ArgMaxRows(AsRow(PredictRow(input)), index); }
        finally { Exit(); }
        return index[0];
    }

    /// <summary>The index of the largest output of every row.</summary>
    /// <remarks>inputs: [b, inputs]  classes: [b].</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the model or the other argument, or an input is NaN or infinite.</exception>
    public void PredictClasses(ReadOnlySpan2D<T> inputs, Span<int> classes)
    {
        CheckBatch(inputs, classes.Length, nameof(classes));
        Enter();
        try
        {
            FrozenModel<T> model = Model;
            for (int row = 0; row < inputs.Height; row += MaxBatch)
            {
                int rows = Math.Min(MaxBatch, inputs.Height - row);
                RequireFinite(inputs, row, rows);
                Reductions.ArgMaxRows(Forward(model, inputs.Slice(row, 0, rows, InputSize)), classes.Slice(row, rows));
            }
        }
        finally { Exit(); }
    }

    /// <summary>The softmax of one row's outputs (the class probabilities of a model trained with cross-entropy).</summary>
    /// <remarks>input: [inputs]  probabilities: [outputs].</remarks>
    /// <exception cref="ArgumentException">A length disagrees with the model, or an input is NaN or infinite.</exception>
    public void PredictProbabilities(ReadOnlySpan<T> input, Span<T> probabilities)
    {
        Predict(input, probabilities);
        Span2D<T> row = probabilities.AsSpan2D(1, probabilities.Length);
        LossKernels.Softmax(row, row);
    }

    /// <summary>The softmax of every row's outputs.</summary>
    /// <remarks>inputs: [b, inputs]  probabilities: [b, outputs].</remarks>
    /// <exception cref="ArgumentException">A shape disagrees with the model or the other argument, or an input is NaN or infinite.</exception>
    public void PredictProbabilities(ReadOnlySpan2D<T> inputs, Span2D<T> probabilities)
    {
        Predict(inputs, probabilities);
        LossKernels.Softmax(probabilities, probabilities);
    }

    // One pass of up to MaxBatch rows, on this thread or shared by the pool: a long batch in two blocks of rows per
    // thread, in multiples of four rows (the AVX-512 kernel's group), so that a descheduled worker's block can be
    // claimed by the others; a short one layer by layer, each thread taking its own columns of the large layers.
    private unsafe ReadOnlySpan2D<T> Forward(FrozenModel<T> model, ReadOnlySpan2D<T> inputs)
    {
        int rows = inputs.Height;
        if (Pool is not { ThreadCount: > 1 } pool) return model.Forward(inputs, _ping, _pong);
        if (rows < MinimumParallelRows) return model.Forward(inputs, _ping, _pong, columnPool: pool);
        int rowsPerPart = Sizes.RoundUp((rows + 2 * pool.ThreadCount - 1) / (2 * pool.ThreadCount), 4);
        fixed (T* x = &inputs.DangerousGetReference())
        {
            var job = new PredictRowsJob<T>(model, _ping, _pong, x, Check.Stride(inputs), rows, rowsPerPart);
            pool.Run(ref job, (rows + rowsPerPart - 1) / rowsPerPart);
        }
        return model.JoinBlocks(_ping, _pong, rows, rowsPerPart);
    }

    // One interlocked exchange per call: a second thread entering a session in use throws before it touches the shared
    // buffers, instead of silently mixing two predictions (8 threads sharing one session once got 85-91 % wrong answers).
    private void Enter()
    {
        if (Interlocked.Exchange(ref _inUse, 1) != 0)
            throw new InvalidOperationException("This InferenceSession is already predicting on another thread; a session is "
                + "for one thread at a time: give each thread its own (FrozenModel.CreateSession).");
    }

    private void Exit() => Volatile.Write(ref _inUse, 0);

    // One pass over the inputs, which the first layer reads anyway; against the weights it streams it is noise. A NaN
    // input would make every output NaN and every class 0, without a word.
    private static void RequireFinite(ReadOnlySpan<T> row, int rowIndex, string name)
    {
        if (Kernels.Finite.All(row)) return;
        int column = 0;
        while (T.IsFinite(row[column])) column++;
        throw new ArgumentException("Input row " + rowIndex + ", column " + column + " is not finite (NaN or infinite).", name);
    }

    private static void RequireFinite(ReadOnlySpan2D<T> inputs, int first, int rows)
    {
        for (int row = first; row < first + rows; row++) RequireFinite(inputs.GetRowSpan(row), row, nameof(inputs));
    }

    private void CheckBatch(ReadOnlySpan2D<T> inputs, int rows, string rowsName)
    {
        Check.Length(InputSize, "the model's input size", inputs.Width, nameof(inputs));
        Check.Length(inputs.Height, "the number of input rows", rows, rowsName);
    }

    private static ReadOnlySpan2D<T> AsRow(ReadOnlySpan<T> span) =>
        ReadOnlySpan2D<T>.DangerousCreate(in MemoryMarshal.GetReference(span), 1, span.Length, 0);
}
