using System.Numerics;
using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.IO;

/// <summary>
/// Connects the network API to the model files: a <see cref="Network{T}"/> or a whole <see cref="Trainer{T}"/> becomes
/// a <see cref="ModelDescription{T}"/> (which <see cref="NativeModelFormat"/> and <see cref="PyTorchSequential"/> write)
/// and back. A trainer's description carries everything an exact resume needs: the optimizer's settings, step count
/// and state buffers, the loss's label smoothing, the clipping norm and the schedule, plus the caller's counters, RNG
/// state and metadata. Training resumed from it is bit-identical to training that never stopped.
/// </summary>
/// <remarks>
/// The description's parameters and optimizer buffers are copies of the logical blocks (the vector padding of the
/// network's storage is not saved; it is always zero). The optimizer's kind is its <see cref="OptimizerKind"/> name,
/// its buffers are in <see cref="OptimizerState{T}.BufferName"/> order, its hyper-parameters are named as
/// <see cref="TrainingHyperParameters"/> lists. Not saved, because they do not change the trajectory or are the
/// caller's runtime choice: <see cref="Trainer{T}.MaxBatch"/>, <see cref="Trainer{T}.NonFinitePolicy"/>,
/// <see cref="Trainer{T}.SkippedSteps"/> and the diagnostics switches.
/// </remarks>
public static class ModelMapping
{
    /// <summary>The network's architecture and a copy of its parameters, without training state.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="network">The network.</param>
    /// <param name="loss">The loss the network was trained with (recorded for the reader).</param>
    /// <param name="metadata">Optional metadata (feature-scaling statistics, class names, ...), copied.</param>
    public static ModelDescription<T> Describe<T>(Network<T> network, LossKind loss,
        IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        return new ModelDescription<T>(network.InputSize, DescribeLayers(network), loss, network.Parameters.ToArray(),
            metadata: metadata);
    }

    /// <summary>
    /// The trainer's network, loss and complete optimizer state (settings, step count, every buffer), the schedule and
    /// clipping norm, and the caller's progress, so that <see cref="CreateTrainer{T}"/> continues exactly.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="trainer">The trainer.</param>
    /// <param name="epoch">Completed epochs, ≥ 0.</param>
    /// <param name="step">Completed mini-batches, ≥ 0 (often <see cref="Trainer{T}.StepCount"/>).</param>
    /// <param name="rngState">The caller's random generator state (e.g. <see cref="Randomness.Xoshiro256StarStarState.ToWords"/> of the shuffling generator's state), copied.</param>
    /// <param name="metadata">Optional metadata, copied.</param>
    /// <exception cref="ArgumentException">A counter is negative, or a schedule step count exceeds 2⁵³.</exception>
    public static ModelDescription<T> Describe<T>(Trainer<T> trainer, long epoch, long step,
        IReadOnlyList<ulong>? rngState = null, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        OptimizerState<T> state = trainer.Optimizer;
        var buffers = new T[state.BufferCount][];
        for (int i = 0; i < buffers.Length; i++) buffers[i] = state.Buffer(i).ToArray();
        var hyperParameters = TrainingHyperParameters.Write(state.Settings, trainer.Loss, trainer.Schedule, trainer.MaxGradientNorm);
        hyperParameters[TrainingHyperParameters.PreviousLoss] = state.PreviousLoss;
        TrainingHyperParameters.WriteClassWeights(hyperParameters, trainer.ClassWeights);
        var optimizer = new OptimizerStateDescription<T>(state.Settings.Kind.ToString(), hyperParameters, state.StepCount, buffers);
        Network<T> network = trainer.Network;
        return new ModelDescription<T>(network.InputSize, DescribeLayers(network), trainer.Loss.Kind,
            network.Parameters.ToArray(), optimizer, epoch, step, rngState, metadata);
    }

    /// <summary>A new network with the description's architecture and exactly its parameters.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="model">The description (its optimizer state, if any, is ignored).</param>
    public static Network<T> CreateNetwork<T>(ModelDescription<T> model)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new Dense[model.Layers.Count];
        for (int i = 0; i < layers.Length; i++) layers[i] = new Dense(model.Layers[i].Units, model.Layers[i].Activation);
        var network = new Network<T>(model.InputSize, layers);
        model.Parameters.CopyTo(network.Parameters);
        return network;
    }

    /// <summary>
    /// The shuffling generator's state saved with the model (<see cref="ModelDescription.RngState"/>), checked as
    /// untrusted input: continue the stream with <c>new Xoshiro256StarStar(ModelMapping.GeneratorState(saved))</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ModelFormatException">The file holds no generator state, or one no generator can have.</exception>
    public static Randomness.Xoshiro256StarStarState GeneratorState(ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.RngState.Count == 0) throw new ModelFormatException("The model file holds no generator state.");
        try
        {
            return Randomness.Xoshiro256StarStarState.FromWords([.. model.RngState]);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException("The generator state in the model file is invalid: " + e.Message, e);
        }
    }

    /// <summary>
    /// A new trainer that continues the saved one exactly: its network, loss, optimizer settings, schedule and clipping
    /// norm come from the description, and the optimizer's step count and buffers are restored.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="model">A description made by <see cref="Describe{T}(Trainer{T}, long, long, IReadOnlyList{ulong}?, IReadOnlyDictionary{string, string}?)"/> (possibly read from a file).</param>
    /// <param name="maxBatch">The largest mini-batch of the new trainer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatch"/> is not positive.</exception>
    /// <exception cref="ModelFormatException">The description has no optimizer state, or its state is not one a trainer wrote (unknown kind, missing or invalid hyper-parameter, wrong buffer count).</exception>
    public static Trainer<T> CreateTrainer<T>(ModelDescription<T> model, int maxBatch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        OptimizerStateDescription<T> saved = model.Optimizer
            ?? throw new ModelFormatException("The model has no optimizer state; it was saved for inference, not for resuming training.");
        if (!Enum.TryParse(saved.Kind, ignoreCase: false, out OptimizerKind kind) || !Enum.IsDefined(kind)
            || kind.ToString() != saved.Kind)
            throw new ModelFormatException("Unknown optimizer kind '" + saved.Kind + "'; expected one of " + string.Join(", ", Enum.GetNames<OptimizerKind>()) + ".");
        OptimizerSettings settings = TrainingHyperParameters.ReadOptimizer(kind, saved.HyperParameters);
        Loss loss = TrainingHyperParameters.ReadLoss(model.Loss, saved.HyperParameters);
        LearningRateSchedule schedule = TrainingHyperParameters.ReadSchedule(saved.HyperParameters);
        double? maxGradientNorm = TrainingHyperParameters.ReadMaxGradientNorm(saved.HyperParameters);

        Trainer<T> trainer;
        try
        {
            trainer = new Trainer<T>(CreateNetwork(model), loss, settings, maxBatch);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException("The saved optimizer settings are invalid: " + e.Message, e);
        }
        OptimizerState<T> state = trainer.Optimizer;
        if (saved.Buffers.Count != state.BufferCount)
            throw new ModelFormatException(kind + " keeps " + state.BufferCount + " state buffers but the file has " + saved.Buffers.Count + ".");
        for (int i = 0; i < state.BufferCount; i++) saved.Buffers[i].CopyTo(state.Buffer(i));
        state.StepCount = saved.StepCount;
        state.PreviousLoss = saved.HyperParameters.TryGetValue(TrainingHyperParameters.PreviousLoss, out double previousLoss)
            ? previousLoss : double.PositiveInfinity;
        trainer.Schedule = schedule;
        trainer.MaxGradientNorm = maxGradientNorm;
        double[] classWeights = TrainingHyperParameters.ReadClassWeights(saved.HyperParameters, trainer.Network.OutputSize);
        if (classWeights.Length > 0)
        {
            if (!loss.UsesClassLabels)
                throw new ModelFormatException("The optimizer state has class weights but the loss is " + loss.Kind + ", which takes none.");
            trainer.SetClassWeights(Array.ConvertAll(classWeights, T.CreateTruncating));
        }
        return trainer;
    }

    /// <summary>Saves the network for inference (no training state) in the native format, atomically.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="network">The network.</param>
    /// <param name="loss">The loss it was trained with.</param>
    /// <param name="metadata">Optional metadata.</param>
    public static void Save<T>(string path, Network<T> network, LossKind loss, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> => NativeModelFormat.Save(path, Describe(network, loss, metadata));

    /// <summary>
    /// Saves a resumable checkpoint in the native format, atomically; load it with <see cref="NativeModelFormat.Load{T}"/>
    /// and continue with <see cref="CreateTrainer{T}"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="trainer">The trainer.</param>
    /// <param name="epoch">Completed epochs.</param>
    /// <param name="step">Completed mini-batches.</param>
    /// <param name="rngState">The caller's random generator state.</param>
    /// <param name="metadata">Optional metadata.</param>
    public static void Save<T>(string path, Trainer<T> trainer, long epoch, long step, IReadOnlyList<ulong>? rngState = null,
        IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        NativeModelFormat.Save(path, Describe(trainer, epoch, step, rngState, metadata));

    /// <summary>Loads a native model file as a network of <typeparamref name="T"/> (converting a file of the other precision).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ModelFormatException">The file is not a valid model file.</exception>
    public static Network<T> LoadNetwork<T>(string path)
        where T : unmanaged, IFloatingPointIeee754<T> => CreateNetwork(NativeModelFormat.Load<T>(path));

    /// <summary>Writes the network as a safetensors file in PyTorch's <c>nn.Sequential</c> layout (see <see cref="PyTorchSequential"/>), atomically.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/> (written as F32).</typeparam>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="network">The network.</param>
    /// <param name="loss">The loss, recorded in the metadata.</param>
    /// <param name="metadata">Optional metadata, copied into <c>__metadata__</c>.</param>
    public static void ExportSafeTensors<T>(string path, Network<T> network, LossKind loss,
        IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        PyTorchSequential.Export(Describe(network, loss, metadata)).Save(path);

    /// <summary>Reads a safetensors file in PyTorch's <c>nn.Sequential</c> layout as a network of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The file to read.</param>
    /// <param name="activations">One activation per layer; required when the file's metadata does not record them.</param>
    /// <exception cref="ModelFormatException">The file is invalid or its tensors do not form the layout.</exception>
    public static Network<T> ImportSafeTensors<T>(string path, IReadOnlyList<Activation>? activations = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The loss does not matter to a network; a placeholder lets files without the metadata key import.
        var model = PyTorchSequential.Import(SafeTensorsFile.Load(path), activations, LossKind.MeanSquaredError);
        return CreateNetwork(model.ConvertTo<T>());
    }

    private static Dense[] DescribeLayers<T>(Network<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<DenseLayer> layers = network.Layers;
        var described = new Dense[layers.Length];
        for (int i = 0; i < described.Length; i++) described[i] = new Dense(layers[i].Units, layers[i].Activation);
        return described;
    }
}
