using System.Numerics.Tensors;
using System.Numerics;
using Backprop.Simd.Kernels;
using Backprop.Simd.Memory;
using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>
/// Trains a <see cref="Network{T}"/> by backpropagation, one mini-batch per <see cref="Step(ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T})"/>:
/// forward, loss, backward, optional clipping, optimizer update. Everything it writes — activations, errors, the
/// gradient block (same offsets as the parameters), optimizer state — is allocated here, once, for batches of up to
/// <see cref="MaxBatch"/> rows; after that, steps and predictions allocate nothing.
/// </summary>
/// <typeparam name="T">The element type of the network.</typeparam>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NetworkWorkspace<T> _workspace;
    private readonly FlatBlock<T> _gradients;

    // One slot per block of the gradient's Σg², which the pool's threads share.
    private readonly double[] _gradientBlockSums;
    private readonly T[] _errorNorms;
    private readonly T[] _weightGradientNorms;
    private int _lastBatch;
    private int _lastForwardRows;
    private T[] _classWeights = [];
    private FlatBlock<T>? _datasetGradients;
    private double _lastLoss = double.NaN;

    /// <summary>Creates a trainer and every buffer it will use.</summary>
    /// <param name="network">The network whose parameters are trained in place.</param>
    /// <param name="loss">The loss; its kind decides whether steps take labels or targets.</param>
    /// <param name="optimizer">The optimizer and hyper-parameters (PyTorch's definitions).</param>
    /// <param name="maxBatch">The largest mini-batch; any batch from 1 to this works.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatch"/> is not positive, or the workspace for it is
    /// beyond what one block holds.</exception>
    /// <exception cref="ArgumentException">An optimizer hyper-parameter is out of range.</exception>
    /// <exception cref="InsufficientMemoryException">The trainer's blocks would not fit in the available memory.</exception>
    public Trainer(Network<T> network, Loss loss, OptimizerSettings optimizer, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        Network = network;
        Loss = loss;
        MaxBatch = maxBatch;
        // Gradients, up to three optimizer buffers and the workspace, checked before any of them is allocated.
        Sizing.RequireMemory<T>(4L * network.ParameterCount + NetworkWorkspace<T>.ElementCount(network, maxBatch),
            "Training a network of " + network.ParameterCount + " parameters with batches of " + maxBatch);
        Optimizer = new OptimizerState<T>(optimizer, network.ParameterCount);
        _workspace = new NetworkWorkspace<T>(network, maxBatch);
        _gradients = new FlatBlock<T>(network.ParameterCount);
        _gradientBlockSums = new double[VectorReductions.BlockCount(network.ParameterCount)];
        _errorNorms = new T[network.Layers.Length];
        _weightGradientNorms = new T[network.Layers.Length];
    }

    /// <summary>The network being trained.</summary>
    public Network<T> Network { get; }

    /// <summary>The loss.</summary>
    public Loss Loss { get; }

    /// <summary>The largest mini-batch.</summary>
    public int MaxBatch { get; }

    /// <summary>The optimizer's settings, step count and state buffers.</summary>
    public OptimizerState<T> Optimizer { get; }

    /// <summary>The learning-rate schedule over optimizer steps; constant by default.</summary>
    public LearningRateSchedule Schedule { get; set; }

    /// <summary>
    /// When set, gradients are clipped by their global norm before each update as <c>clip_grad_norm_</c> does: scaled
    /// by max_norm/(norm + 1e-6) when that is below 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive: a negative one would turn the
    /// update into gradient ascent, zero would stop learning.</exception>
    public double? MaxGradientNorm
    {
        get => _maxGradientNorm;
        set
        {
            if (value is double norm && !(norm > 0 && double.IsFinite(norm)))
                throw new ArgumentOutOfRangeException(nameof(MaxGradientNorm), norm,
                    "MaxGradientNorm (--clip-norm) is " + norm + " but must be finite and > 0, or null for no clipping.");
            _maxGradientNorm = value;
        }
    }

    private double? _maxGradientNorm;

    /// <summary>What a step does when the loss or a gradient is NaN or infinite.</summary>
    public NonFinitePolicy NonFinitePolicy { get; set; }

    /// <summary>When true, every backward pass fills <see cref="ErrorNorms"/> and <see cref="WeightGradientNorms"/>.</summary>
    public bool TrackLayerNorms { get; set; }

    /// <summary>When true, every backward pass also computes <see cref="InputGradient"/>.</summary>
    public bool ComputeInputGradient { get; set; }

    /// <summary>
    /// The worker pool that shares each matrix product between threads, or null (the default) for the calling thread
    /// alone. Every output element is computed by one thread in a fixed order, so results are bit-identical for any
    /// thread count. The trainer does not dispose the pool.
    /// </summary>
    public WorkerPool? Pool { get => _workspace.Pool; set => _workspace.Pool = value; }

    /// <summary>The number of optimizer steps applied.</summary>
    public long StepCount => Optimizer.StepCount;

    /// <summary>The number of steps abandoned under <see cref="NonFinitePolicy.SkipStep"/>.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>The learning rate the next step will use.</summary>
    public double LearningRate => Schedule.RateAt(Optimizer.Settings.LearningRate, Optimizer.StepCount);

    /// <summary>
    /// The global gradient norm <c>‖g‖₂</c> over every parameter before clipping at the last update (NaN before the
    /// first), as <c>torch.nn.utils.clip_grad_norm_</c> returns it; measured at every update, clipping on or off.
    /// </summary>
    public double LastGradientNorm { get; private set; } = double.NaN;

    /// <summary>True when <see cref="MaxGradientNorm"/> scaled the gradients down at the last update.</summary>
    public bool LastStepClipped { get; private set; }

    /// <summary>
    /// The gradients of the last backward pass as one flat span with the parameters' offsets (sums over the batch of
    /// the mean loss's derivatives). Writable so that gradients can be combined (e.g. all-reduced) before
    /// <see cref="ApplyGradients"/>.
    /// </summary>
    public Span<T> Gradients => _gradients.Span;

    /// <summary>‖δ_l‖ (Frobenius norm of ∂L/∂Z over the batch) per layer, input side first, when <see cref="TrackLayerNorms"/> is on.</summary>
    public ReadOnlySpan<T> ErrorNorms => _errorNorms;

    /// <summary>‖∂L/∂W_l‖ per layer, input side first, when <see cref="TrackLayerNorms"/> is on.</summary>
    public ReadOnlySpan<T> WeightGradientNorms => _weightGradientNorms;

    /// <summary>∂L/∂X: [batch, inputs] of the last backward pass, when <see cref="ComputeInputGradient"/> is on.</summary>
    public ReadOnlySpan2D<T> InputGradient => _workspace.InputError(_lastBatch);

    /// <summary>
    /// The last layer's outputs (logits for cross-entropy) of the most recent forward pass — a step,
    /// <c>ComputeGradients</c>, <c>ComputeLoss</c>, or the last chunk of a prediction — so that metrics such as the
    /// training accuracy need no second forward pass. Valid until the next call on this trainer.
    /// </summary>
    /// <remarks>[rows of that pass, outputs].</remarks>
    public ReadOnlySpan2D<T> LastOutputs => _workspace.Output(Network.Layers.Length - 1, _lastForwardRows);

    /// <summary>
    /// Class weights w of cross-entropy, as PyTorch's <c>CrossEntropyLoss(weight=w)</c>: row b's loss is scaled by
    /// w[label_b] and the mean divides by the sum of the weights of the targets, Σ_b s_b·w[label_b] (s: sample weights).
    /// Empty (the default) means all 1.
    /// </summary>
    public ReadOnlySpan<T> ClassWeights => _classWeights;

    /// <summary>Sets (a copy of) <see cref="ClassWeights"/>; an empty span clears them.</summary>
    /// <remarks>weights: [outputs], finite and ≥ 0.</remarks>
    /// <exception cref="ArgumentException">The loss is not cross-entropy, or the length differs from the outputs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public void SetClassWeights(ReadOnlySpan<T> weights)
    {
        if (weights.IsEmpty)
        {
            _classWeights = [];
            return;
        }
        if (!Loss.UsesClassLabels)
            throw new ArgumentException("Class weights apply to cross-entropy; " + Loss.Kind + " takes sample weights only.", nameof(weights));
        if (weights.Length != Network.OutputSize)
            throw new ArgumentException("weights has " + weights.Length + " entries but the network has " + Network.OutputSize + " classes.", nameof(weights));
        for (int i = 0; i < weights.Length; i++)
        {
            if (!(T.IsFinite(weights[i]) && weights[i] >= T.Zero))
                throw new ArgumentOutOfRangeException(nameof(weights), weights[i], "weights[" + i + "] must be finite and ≥ 0.");
        }
        _classWeights = weights.ToArray();
    }

    /// <summary>One training step on a mini-batch with class labels; returns the batch's (weighted) mean loss.</summary>
    /// <remarks>
    /// inputs: [b, inputs] with 1 ≤ b ≤ <see cref="MaxBatch"/>  labels: [b] in 0..outputs−1  sampleWeights: [b] or
    /// empty. With sample weights s the loss is Σ_b s_b·ℓ_b / Σ_b s_b (times the <see cref="ClassWeights"/> as PyTorch
    /// defines them); the gradient is that of this weighted mean.
    /// </remarks>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes targets.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is too large or a label is out of range.</exception>
    /// <exception cref="NonFiniteTrainingException">The loss or a gradient was NaN or infinite (parameters unchanged).</exception>
    public T Step(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> sampleWeights = default) =>
        StepCore(inputs, labels, default, sampleWeights, useLabels: true);

    /// <summary>One training step on a mini-batch with a target matrix; returns the batch's (weighted) mean loss.</summary>
    /// <remarks>
    /// inputs: [b, inputs] with 1 ≤ b ≤ <see cref="MaxBatch"/>  targets: [b, outputs]  sampleWeights: [b] or empty
    /// (each row's mean over outputs weighted by s_b, divided by Σ_b s_b).
    /// </remarks>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is too large.</exception>
    /// <exception cref="NonFiniteTrainingException">The loss or a gradient was NaN or infinite (parameters unchanged).</exception>
    public T Step(ReadOnlySpan2D<T> inputs, ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights = default) =>
        StepCore(inputs, default, targets, sampleWeights, useLabels: false);

    /// <summary>One training step on a rank-2 tensor of inputs with class labels.</summary>
    /// <exception cref="ArgumentException">The tensor is not [b, inputs] with contiguous rows, or a shape disagrees.</exception>
    public T Step(ReadOnlyTensorSpan<T> inputs, ReadOnlySpan<int> labels) =>
        Step(TensorViews.AsReadOnlySpan2D(inputs, nameof(inputs)), labels);

    /// <summary>One training step on rank-2 tensors of inputs and targets.</summary>
    /// <exception cref="ArgumentException">A tensor is not rank 2 with contiguous rows, or a shape disagrees.</exception>
    public T Step(ReadOnlyTensorSpan<T> inputs, ReadOnlyTensorSpan<T> targets) =>
        Step(TensorViews.AsReadOnlySpan2D(inputs, nameof(inputs)), TensorViews.AsReadOnlySpan2D(targets, nameof(targets)));

    /// <summary>Forward and backward without an update: fills <see cref="Gradients"/> and returns the mean loss.</summary>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes targets.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is too large or a label is out of range.</exception>
    public T ComputeGradients(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> sampleWeights = default)
    {
        BatchValidation.Validate(Network, Loss, MaxBatch, inputs, labels, default, useLabels: true);
        return ForwardBackward(inputs, labels, default, sampleWeights);
    }

    /// <summary>Forward and backward without an update: fills <see cref="Gradients"/> and returns the mean loss.</summary>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is too large.</exception>
    public T ComputeGradients(ReadOnlySpan2D<T> inputs, ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights = default)
    {
        BatchValidation.Validate(Network, Loss, MaxBatch, inputs, default, targets, useLabels: false);
        return ForwardBackward(inputs, default, targets, sampleWeights);
    }

    /// <summary>
    /// Forward and backward over a whole data set of any size, in chunks of <see cref="MaxBatch"/>: fills
    /// <see cref="Gradients"/> with the gradient of the (weighted) mean loss over every row and returns that loss, as
    /// one batch of all rows would. The full-batch evaluation for RPROP and L-BFGS; a second gradient block is
    /// allocated on the first call that needs more than one chunk.
    /// </summary>
    /// <remarks>inputs: [n, inputs]  labels: [n]  sampleWeights: [n] or empty.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes targets.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public T ComputeDatasetGradients(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> sampleWeights = default)
    {
        if (labels.Length != inputs.Height)
            throw new ArgumentException("labels has " + labels.Length + " entries but inputs has " + inputs.Height + " rows.", nameof(labels));
        return DatasetGradients(inputs, labels, default, sampleWeights, useLabels: true);
    }

    /// <summary>The full-data-set gradient for a loss with targets; see the overload with labels.</summary>
    /// <remarks>inputs: [n, inputs]  targets: [n, outputs]  sampleWeights: [n] or empty.</remarks>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes labels.</exception>
    public T ComputeDatasetGradients(ReadOnlySpan2D<T> inputs, ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights = default)
    {
        if (targets.Height != inputs.Height) BatchValidation.ThrowShape(nameof(targets), targets.Height, targets.Width, inputs.Height, Network.OutputSize);
        return DatasetGradients(inputs, default, targets, sampleWeights, useLabels: false);
    }

    /// <summary>The mean loss of a batch, forward pass only; parameters and gradients are untouched.</summary>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes targets.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is too large or a label is out of range.</exception>
    public T ComputeLoss(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> sampleWeights = default)
    {
        return Loss.Evaluate<T>(ValidatedForward(inputs, labels, default, useLabels: true), labels, default, sampleWeights, _classWeights, default);
    }

    /// <summary>The mean loss of a batch, forward pass only; parameters and gradients are untouched.</summary>
    /// <exception cref="ArgumentException">A shape disagrees or the loss takes labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is too large.</exception>
    public T ComputeLoss(ReadOnlySpan2D<T> inputs, ReadOnlySpan2D<T> targets, ReadOnlySpan<T> sampleWeights = default)
    {
        return Loss.Evaluate<T>(ValidatedForward(inputs, default, targets, useLabels: false), default, targets, sampleWeights, default, default);
    }

    /// <summary>
    /// Clips (when <see cref="MaxGradientNorm"/> is set) and applies the optimizer to the current
    /// <see cref="Gradients"/> with the scheduled learning rate: one vectorised pass over the flat blocks. iRprop⁺
    /// compares the loss of the last gradient computation with the one before.
    /// </summary>
    /// <exception cref="NonFiniteTrainingException">The update made a parameter NaN or infinite (it has been applied).</exception>
    public void ApplyGradients() => ApplyGradientsWithNorm(GradientSumOfSquares());

    // Σg² over the gradient block, in double as Reductions.SumOfSquares sums it before rounding to T: finite exactly
    // when every gradient is finite, unless finite squares overflowed.
    private double GradientSumOfSquares() => VectorReductions.SumOfSquares<T>(_gradients.Span, Pool, _gradientBlockSums);

    private void ApplyGradientsWithNorm(double sumOfSquares)
    {
        if (!Update(sumOfSquares, _gradients.Storage, 0, Network.ParameterBlock.Storage.Length))
            throw new NonFiniteTrainingException(NonFiniteQuantity.Parameters, NonFiniteSearch.FirstLayer(Network, Network.Parameters), StepCount);
    }

    // Clips gradients (those of padded parameters [start, start + length)) by the global norm √sumOfSquares and applies
    // the optimizer to that range; false when a parameter there became NaN or infinite.
    private bool Update(double sumOfSquares, Span<T> gradients, int start, int length)
    {
        double learningRate = LearningRate;
        double norm = Math.Sqrt(double.CreateTruncating(T.CreateTruncating(sumOfSquares)));
        LastGradientNorm = norm;
        LastStepClipped = false;
        if (MaxGradientNorm is double maxNorm)
        {
            double coefficient = maxNorm / (norm + 1e-6);
            if (coefficient < 1)
            {
                VectorArithmetic.Scale<T>(gradients, T.CreateTruncating(coefficient), gradients);
                LastStepClipped = true;
            }
        }
        return Optimizer.ApplyRange(Network.ParameterBlock, gradients, start, length, learningRate, _lastLoss, Pool, SimdSupport.Active);
    }

    /// <summary>The network's outputs for any number of rows, computed in chunks of <see cref="MaxBatch"/>.</summary>
    /// <remarks>inputs: [n, inputs]  outputs: [n, outputs] (the last layer's activations: logits for cross-entropy).</remarks>
    /// <exception cref="ArgumentException">A shape disagrees.</exception>
    public void Predict(ReadOnlySpan2D<T> inputs, Span2D<T> outputs)
    {
        BatchValidation.RequireInputWidth(Network, inputs);
        if (outputs.Height != inputs.Height || outputs.Width != Network.OutputSize)
            BatchValidation.ThrowShape(nameof(outputs), outputs.Height, outputs.Width, inputs.Height, Network.OutputSize);
        for (int row = 0; row < inputs.Height; row += MaxBatch)
        {
            int rows = Math.Min(MaxBatch, inputs.Height - row);
            Forward(inputs.Slice(row, 0, rows, inputs.Width))
                .CopyTo(outputs.Slice(row, 0, rows, outputs.Width));
        }
    }

    /// <summary>Predictions into rank-2 tensors; see <see cref="Predict(ReadOnlySpan2D{T}, Span2D{T})"/>.</summary>
    /// <exception cref="ArgumentException">A tensor is not rank 2 with contiguous rows, or a shape disagrees.</exception>
    public void Predict(ReadOnlyTensorSpan<T> inputs, TensorSpan<T> outputs) =>
        Predict(TensorViews.AsReadOnlySpan2D(inputs, nameof(inputs)), TensorViews.AsSpan2D(outputs, nameof(outputs)));

    /// <summary>The index of the largest output of each row (the predicted class), in chunks of <see cref="MaxBatch"/>.</summary>
    /// <remarks>inputs: [n, inputs]  classes: [n].</remarks>
    /// <exception cref="ArgumentException">A shape disagrees.</exception>
    public void PredictClasses(ReadOnlySpan2D<T> inputs, Span<int> classes)
    {
        BatchValidation.RequireInputWidth(Network, inputs);
        if (classes.Length != inputs.Height)
            throw new ArgumentException("classes has " + classes.Length + " entries but inputs has " + inputs.Height + " rows.", nameof(classes));
        for (int row = 0; row < inputs.Height; row += MaxBatch)
        {
            int rows = Math.Min(MaxBatch, inputs.Height - row);
            Span2D<T> outputs = Forward(inputs.Slice(row, 0, rows, inputs.Width));
            Reductions.ArgMaxRows<T>(outputs, classes.Slice(row, rows));
        }
    }

    private T StepCore(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights, bool useLabels)
    {
        BatchValidation.Validate(Network, Loss, MaxBatch, inputs, labels, targets, useLabels);
        T loss = ForwardBackward(inputs, labels, targets, sampleWeights);
        return ApplyCheckedStep(loss, inputs.Height);
    }

    // Forward and backward on checked rows, telling the listener of each layer's finished gradients (a data-parallel
    // step starts reducing them meanwhile); the step itself is ApplyCheckedStep once the gradients are final.
    // errorScale multiplies ∂L/∂Y before the backward pass, so every gradient comes out scaled by it (a rank's share of
    // the global mean) at the cost of one small pass instead of one over the whole gradient block.
    internal T ComputeGradients<TListener>(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights, bool useLabels, T errorScale, ref TListener listener) where TListener : struct, ILayerGradientsListener
    {
        BatchValidation.Validate(Network, Loss, MaxBatch, inputs, labels, targets, useLabels);
        return ForwardBackward(inputs, labels, targets, sampleWeights, errorScale, ref listener);
    }

    // The update after the loss and Gradients are final (for a data-parallel step, reduced over every rank); batch is
    // this process's rows of the last forward pass, where a non-finite value is looked for.
    internal T ApplyCheckedStep(T loss, int batch)
    {
        _lastLoss = double.CreateTruncating(loss);
        // Checked before the optimizer writes anything, so a bad step leaves parameters and state as they were. The
        // norm's pass doubles as the check: a NaN or infinite gradient makes Σg² NaN or infinite, and only when it is
        // (or finite squares overflowed) is the block searched element by element.
        double sumOfSquares = GradientSumOfSquares();
        if (AcceptStep(loss, !double.IsFinite(sumOfSquares) && !Finite.All<T>(_gradients.Span), batch))
            ApplyGradientsWithNorm(sumOfSquares);
        return loss;
    }

    // The padded gradient block, which a data-parallel rank reduce-scatters into its shard.
    internal FlatBlock<T> GradientBlock => _gradients;

    // A data-parallel step whose optimizer is sharded: loss, Σg² over every parameter and whether any gradient is not
    // finite come reduced over the ranks, so every rank decides alike; this rank updates only padded parameters
    // [start, start + shardGradients.Length) from its reduced shard. False when a parameter there became NaN or
    // infinite (the caller reduces that too, so that every rank throws); true also when the step was skipped.
    internal bool ApplyCheckedShardStep(T loss, double sumOfSquares, bool gradientsNonFinite, int batch, Span<T> shardGradients, int start)
    {
        _lastLoss = double.CreateTruncating(loss);
        return !AcceptStep(loss, gradientsNonFinite, batch) || Update(sumOfSquares, shardGradients, start, shardGradients.Length);
    }

    // False when the step is to be skipped; throws, pointing at the first non-finite value of this process's last
    // pass, under NonFinitePolicy.Throw.
    private bool AcceptStep(T loss, bool gradientsNonFinite, int batch)
    {
        if (T.IsFinite(loss) && !gradientsNonFinite) return true;
        if (NonFinitePolicy == NonFinitePolicy.SkipStep)
        {
            SkippedSteps++;
            return false;
        }
        throw NonFiniteSearch.Locate(Network, _workspace, _gradients.Span, batch, loss, StepCount);
    }

    // The parameters' padded block, which data-parallel ranks all-gather after a sharded update.
    internal FlatBlock<T> ParameterBlock => Network.ParameterBlock;

    private T ForwardBackward(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights)
    {
        var listener = new NoLayerGradientsListener();
        return ForwardBackward(inputs, labels, targets, sampleWeights, T.One, ref listener);
    }

    private T ForwardBackward<TListener>(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights, T errorScale, ref TListener listener) where TListener : struct, ILayerGradientsListener
    {
        int batch = inputs.Height;
        int last = Network.Layers.Length - 1;
        Span2D<T> outputs = Forward(inputs);
        T loss = Loss.Evaluate<T>(outputs, labels, targets, sampleWeights, _classWeights, _workspace.Error(last, batch));
        if (errorScale != T.One)
        {
            Span<T> outputError = _workspace.ErrorFlat(last, batch);
            VectorArithmetic.Scale<T>(outputError, errorScale, outputError);
        }
        _workspace.Backward(Network, inputs, _gradients.Span, ComputeInputGradient, ref listener);
        _lastBatch = batch;
        _lastLoss = double.CreateTruncating(loss);
        if (TrackLayerNorms) FillLayerNorms(batch);
        return loss;
    }

    // Each chunk's gradient is weighted by its share of the loss's denominator, so the sum is the gradient of the mean
    // over all rows.
    private T DatasetGradients(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets,
        ReadOnlySpan<T> sampleWeights, bool useLabels)
    {
        int n = inputs.Height;
        if (n <= MaxBatch)
        {
            BatchValidation.Validate(Network, Loss, MaxBatch, inputs, labels, targets, useLabels);
            return ForwardBackward(inputs, labels, targets, sampleWeights);
        }
        if (!sampleWeights.IsEmpty && sampleWeights.Length != n)
            throw new ArgumentException("sampleWeights has " + sampleWeights.Length + " entries but inputs has " + n + " rows.", nameof(sampleWeights));
        double total = Evaluation.LossDenominator(n, labels, sampleWeights, _classWeights);
        _datasetGradients ??= new FlatBlock<T>(Network.ParameterCount);
        Span<T> sum = _datasetGradients.Span;
        sum.Clear();
        double loss = 0;
        for (int row = 0; row < n; row += MaxBatch)
        {
            int rows = Math.Min(MaxBatch, n - row);
            ReadOnlySpan2D<T> x = inputs.Slice(row, 0, rows, inputs.Width);
            ReadOnlySpan<int> y = useLabels ? labels.Slice(row, rows) : default;
            ReadOnlySpan2D<T> t = useLabels ? default : targets.Slice(row, 0, rows, targets.Width);
            ReadOnlySpan<T> s = sampleWeights.IsEmpty ? default : sampleWeights.Slice(row, rows);
            BatchValidation.Validate(Network, Loss, MaxBatch, x, y, t, useLabels);
            double share = Evaluation.LossDenominator(rows, y, s, _classWeights) / total;
            T chunkLoss = ForwardBackward(x, y, t, s);
            if (share == 0) continue; // an all-zero-weight chunk's own mean is 0/0
            loss += double.CreateTruncating(chunkLoss) * share;
            VectorArithmetic.MultiplyAdd<T>(_gradients.Span, T.CreateTruncating(share), sum, sum);
        }
        sum.CopyTo(_gradients.Span);
        _lastLoss = loss;
        return T.CreateTruncating(loss);
    }

    // The outputs of one checked batch (the trainer's own forward pass), for losses computed outside a step.
    internal ReadOnlySpan2D<T> ValidatedForward(ReadOnlySpan2D<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan2D<T> targets, bool useLabels)
    {
        BatchValidation.Validate(Network, Loss, MaxBatch, inputs, labels, targets, useLabels);
        return Forward(inputs);
    }

    private Span2D<T> Forward(ReadOnlySpan2D<T> inputs)
    {
        _lastForwardRows = inputs.Height;
        return _workspace.Forward(Network, inputs);
    }

    private void FillLayerNorms(int batch)
    {
        ReadOnlySpan<DenseLayer> layers = Network.Layers;
        ReadOnlySpan<T> gradients = _gradients.Span;
        for (int l = 0; l < layers.Length; l++)
        {
            _errorNorms[l] = T.Sqrt(Reductions.SumOfSquares<T>(_workspace.ErrorFlat(l, batch)));
            _weightGradientNorms[l] = T.Sqrt(Reductions.SumOfSquares(gradients.Slice(layers[l].WeightOffset, layers[l].WeightCount)));
        }
    }
}
