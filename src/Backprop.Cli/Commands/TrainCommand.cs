using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.Data;
using Backprop.Simd.Distributed;
using Backprop.Simd.IO;
using Backprop.Simd.Model;
using Backprop.Simd.Randomness;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop train</c>: loads the data, builds the network and trainer from the options (or from a checkpoint), runs
/// the library's <see cref="FitLoop{T}"/>, then reports, plots and saves. The epoch loop itself is the library's.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(ToolConsole console)
    {
        var options = new TrainOptions();
        var command = new Command("train",
            "Train a network. With no options: a 64-128-10 ReLU network on the embedded digits, Adam, 10 epochs.");
        options.AddTo(command);
        command.SetAction(parsed => Run(console, options, parsed));
        return command;
    }

    private static int Run(ToolConsole console, TrainOptions options, ParseResult parsed)
    {
        if (!parsed.GetValue(options.Distributed))
        {
            if (options.Reduction.IsGiven(parsed))
                throw new UsageException("--reduction applies to --distributed training only.");
            return Run(console, options, parsed, parallel: null);
        }
        if (parsed.GetValue(options.ReportGradients))
            throw new UsageException("--report-gradients measures one rank's rows; it cannot be combined with --distributed.");
        return DistributedTraining.Run(console, options.Reduction.Get(parsed),
            (rankConsole, parallel) => Run(rankConsole, options, parsed, parallel));
    }

    // parallel: this rank's share of a data-parallel run, or null to train alone. Only rank 0 writes files.
    private static int Run(ToolConsole console, TrainOptions options, ParseResult parsed, DataParallel? parallel)
    {
        bool writes = parallel is null || parallel.Rank == 0;
        bool quiet = parsed.GetValue(options.Quiet) || !writes;
        int epochs = parsed.GetValue(options.Epochs);
        string? resume = parsed.GetValue(options.Resume);
        // Every output path is proven writable before the data is loaded, so a run never ends in a file it cannot write.
        string? savePath = writes ? parsed.GetValue(options.Save) : null;
        string? plotPath = writes ? parsed.GetValue(options.Plot) : null;
        string? metricsPath = writes ? parsed.GetValue(options.Metrics) : null;
        if (savePath is not null) OutputPath.Prepare(savePath, "--save");
        if (plotPath is not null) OutputPath.Prepare(plotPath, "--plot");
        if (metricsPath is not null) OutputPath.Prepare(metricsPath, "--metrics");
        int checkpointEvery = parsed.GetValue(options.CheckpointEvery);
        if (checkpointEvery > 0 && parsed.GetValue(options.Save) is null) throw new UsageException("--checkpoint-every needs --save FILE to write to.");
        ModelDescription<float>? checkpoint = resume is null ? null : NativeModelFormat.Load<float>(resume);

        var loadClock = Stopwatch.StartNew();
        // A resumed run must see exactly the inputs the original run saw, so it takes the saved standardisation.
        Standardization? saved = checkpoint is null ? null
            : ModelMetadata.From(checkpoint.Metadata, checkpoint.InputSize).Standardization;
        PreparedData data = PreparedData.Load(options.Data, parsed, parsed.GetValue(options.ValidationSplit),
            parsed.GetValue(options.Seed), parsed.GetValue(options.Limit), saved, parsed.GetValue(options.Standardize));
        loadClock.Stop();
        WarnOfEmptyClasses(console, data.Train);
        int batch = BatchSize(options, parsed, checkpoint, data.Train.SampleCount);
        int threads = parsed.GetValue(options.Threads);
        using WorkerPool? pool = threads > 1 ? new WorkerPool(threads) : null;

        Trainer<float> trainer = checkpoint is null
            ? CreateTrainer(options, parsed, data.Train, epochs, batch)
            : ModelMapping.CreateTrainer(checkpoint, batch);
        trainer.Pool = pool;
        data.RequireFits(trainer.Network.InputSize, trainer.Network.OutputSize, resume);
        LossKind loss = trainer.Loss.Kind;
        bool reportGradients = parsed.GetValue(options.ReportGradients);
        var fitOptions = new FitOptions
        {
            Epochs = epochs,
            BatchSize = batch,
            Seed = parsed.GetValue(options.Seed),
            TrackLayerNorms = parallel is null && (reportGradients || metricsPath is not null),
            EarlyStopping = parsed.GetValue(options.Patience) is int patience ? new EarlyStopping(Patience: patience) : null,
            DataParallel = parallel,
        };
        FitData<float> heldOut = TrainingData.For(data.HeldOut, loss);
        var loop = new FitLoop<float>(trainer, TrainingData.For(data.Train, loss), heldOut, fitOptions);
        if (checkpoint is not null) ResumeAt(loop, checkpoint, resume!);
        if (loop.CompletedEpochs >= epochs)
            throw new UsageException("--epochs " + epochs + " is already reached: the checkpoint has " + loop.CompletedEpochs
                + " epochs.");

        if (!quiet)
        {
            console.Output.WriteLine(data.Describe(loadClock.Elapsed.TotalSeconds));
            console.Output.WriteLine(DescribeModel(trainer, batch, epochs, loop.CompletedEpochs));
            if (parallel is not null) console.Output.WriteLine(DistributedTraining.Describe(parallel, batch, threads));
        }
        using MetricsFile? metrics = metricsPath is null ? null : new MetricsFile(metricsPath);
        long stepsToRun = (long)(epochs - loop.CompletedEpochs) * loop.StepsPerEpoch - loop.StepsIntoEpoch;
        var reporter = new EpochReporter(console, epochs, loop.StepsPerEpoch, stepsToRun, data.HeldOutName, quiet,
            reportGradients, metrics);
        TrainingCheckpoint? saver = savePath is null ? null : new TrainingCheckpoint(savePath, trainer, loop,
            new ModelMetadata(data.Train.ClassNames, data.Standardization, parsed.GetValue(options.Data.Data)));
        var callback = new TrainingCallback(reporter, saver, checkpointEvery);
        FitResult result;
        using (var interruption = new Interruption(console.Error))
        {
            // A failure (a NaN under the Throw policy) must not print its message over the bar.
            try { result = loop.Run(ref callback, interruption.Token); }
            finally { reporter.ClearProgress(); }
        }
        bool interrupted = result.StopReason == FitStopReason.Cancelled;

        EvaluationResult final = Evaluation.Evaluate(trainer, heldOut);
        console.Output.WriteLine(FinalLine(result, final, data.HeldOutName, loop.CompletedEpochs));
        // The model first: it is what the run cost, and a plot is only a picture of it.
        saver?.Save();
        if (parallel is not null && !quiet) console.Output.WriteLine(DistributedTraining.Summary(parallel));
        if (interrupted) console.Output.WriteLine(InterruptedLine(loop, saver, parsed, parallel?.Size ?? 1));
        else if (saver is not null && !quiet) console.Output.WriteLine("model saved to " + saver.Path);
        if (plotPath is not null)
        {
            TrainingPlot.Save(plotPath, reporter.Points, data.Train.Name, data.HeldOutName);
            if (!quiet) console.Output.WriteLine("plot written to " + plotPath);
        }
        return interrupted ? ExitCode.Interrupted : ExitCode.Success;
    }

    // A checkpoint written mid-epoch records its steps in the metadata; the loop redraws that epoch's order and skips them.
    private static void ResumeAt(FitLoop<float> loop, ModelDescription<float> checkpoint, string path)
    {
        if (checkpoint.Epoch > int.MaxValue)
            throw new ModelFormatException(path + ": the epoch counter is " + checkpoint.Epoch + ", beyond " + int.MaxValue + ".");
        int steps = ModelMetadata.From(checkpoint.Metadata, checkpoint.InputSize).StepsIntoEpoch;
        if (steps >= loop.StepsPerEpoch)
            throw new UsageException(path + " stopped after step " + steps + " of epoch " + (checkpoint.Epoch + 1)
                + ", but with this data and batch size an epoch has " + loop.StepsPerEpoch
                + " steps; repeat the original run's data and --batch options.");
        loop.ResumeAt((int)checkpoint.Epoch, SavedShuffleState(checkpoint), steps);
    }

    private static string InterruptedLine(FitLoop<float> loop, TrainingCheckpoint? saver, ParseResult parsed, int ranks)
    {
        string place = loop.StepsIntoEpoch > 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"interrupted in epoch {loop.CompletedEpochs + 1} after step {loop.StepsIntoEpoch} of {loop.StepsPerEpoch}")
            : string.Create(CultureInfo.InvariantCulture, $"interrupted after epoch {loop.CompletedEpochs}");
        return saver is null
            ? place + "; nothing saved (pass --save FILE to keep a resumable checkpoint)"
            : place + "; checkpoint saved to " + saver.Path + "; resume with: " + ResumeCommand.For(parsed, saver.Path, ranks);
    }

    // RPROP adapts its steps to the sign of the full gradient, so it trains on the whole set unless told otherwise.
    /// <exception cref="UsageException">The file holds no generator state (it was not saved by <c>train --save</c>).</exception>
    private static Xoshiro256StarStarState SavedShuffleState(ModelDescription<float> checkpoint) =>
        checkpoint.RngState.Count == Xoshiro256StarStarState.WordCount
            ? ModelMapping.GeneratorState(checkpoint)
            : throw new UsageException("The checkpoint holds no shuffling state; only files written by train --save can be resumed.");

    private static int BatchSize(TrainOptions options, ParseResult parsed, ModelDescription<float>? checkpoint, int samples)
    {
        bool fullBatch = checkpoint is null
            ? OptimizerOption.IsFullBatch(options.Optimizer.Get(parsed))
            : checkpoint.Optimizer?.Kind is nameof(OptimizerKind.Rprop) or nameof(OptimizerKind.IRpropPlus);
        return fullBatch && parsed.GetResult(options.Batch) is null or { Implicit: true } ? samples : parsed.GetValue(options.Batch);
    }

    private static Trainer<float> CreateTrainer(TrainOptions options, ParseResult parsed, Dataset train, int epochs, int batch)
    {
        int[] hidden = parsed.GetValue(options.Layers)!;
        RequireMemory(train.FeatureCount, hidden, train.ClassCount, batch);
        Activation[] activations = ActivationOption.ForHiddenLayers(parsed.GetValue(options.Activation)!, hidden.Length, "--layers");
        var layers = new Dense[hidden.Length + 1];
        for (int i = 0; i < hidden.Length; i++) layers[i] = new Dense(hidden[i], activations[i]);
        layers[^1] = new Dense(train.ClassCount);
        var network = new Network<float>(train.FeatureCount, layers, parsed.GetValue(options.Seed));

        LossKind lossKind = options.Loss.Get(parsed);
        double smoothing = parsed.GetValue(options.LabelSmoothing);
        if (smoothing != 0 && lossKind != LossKind.SoftmaxCrossEntropy)
            throw new UsageException("--label-smoothing applies to the cross-entropy loss only.");
        Loss loss = lossKind == LossKind.SoftmaxCrossEntropy ? Loss.CrossEntropy(smoothing) : new Loss(lossKind);
        OptimizerSettings optimizer = OptimizerOption.Settings(options.Optimizer.Get(parsed),
            parsed.GetValue(options.LearningRate), parsed.GetValue(options.WeightDecay), parsed.GetValue(options.Momentum));
        var trainer = new Trainer<float>(network, loss, optimizer, batch)
        {
            MaxGradientNorm = parsed.GetValue(options.ClipNorm),
            Schedule = ScheduleOption.Create(options.Schedule.Get(parsed), epochs,
                (train.SampleCount + batch - 1) / batch, parsed.GetValue(options.Warmup)),
        };
        return trainer;
    }

    // The parameters, their gradients, up to three optimizer buffers and the activations of one batch, in float: a
    // network that cannot fit is refused before the first block is allocated, not after gigabytes of initialisation.
    private static void RequireMemory(int inputs, int[] hidden, int outputs, int batch)
    {
        long parameters = 0, columns = inputs;
        int fanIn = inputs;
        foreach (int units in (int[])[.. hidden, outputs])
        {
            parameters += ((long)fanIn + 1) * units;
            columns += 3L * units;
            fanIn = units;
        }
        double bytes = sizeof(float) * (5.0 * parameters + (double)columns * batch);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
            throw new InsufficientMemoryException(string.Create(CultureInfo.InvariantCulture,
                $"A network of {parameters:N0} parameters trained in batches of {batch} needs about {bytes / 1e9:0.#} GB; {available / 1e9:0.#} GB is available. Use fewer or narrower layers or a smaller --batch."));
    }

    // Labels define the classes 0..max: one stray label (an IDX byte of 255) silently widens the output layer to 256.
    private static void WarnOfEmptyClasses(ToolConsole console, Dataset train)
    {
        int[] counts = train.CountPerClass();
        int empty = 0;
        foreach (int count in counts) if (count == 0) empty++;
        if (empty == 0) return;
        console.Error.WriteLine("backprop: warning: " + empty + " of the " + counts.Length + " classes have no training sample "
            + "(the largest label is " + (counts.Length - 1) + "); a stray label widens the output layer to every class up to it.");
    }

    private static string DescribeModel(Trainer<float> trainer, int batch, int epochs, int completed)
    {
        var text = new System.Text.StringBuilder("network ");
        text.Append(trainer.Network.InputSize.ToString(CultureInfo.InvariantCulture));
        foreach (DenseLayer layer in trainer.Network.Layers)
            text.Append('-').Append(layer.Units.ToString(CultureInfo.InvariantCulture));
        // One name when every hidden layer shares it (the common case), else one per hidden layer as --activation takes them.
        ReadOnlySpan<DenseLayer> layers = trainer.Network.Layers;
        var hidden = new List<string>();
        for (int i = 0; i < Math.Max(layers.Length - 1, 1); i++) hidden.Add(ActivationOption.NameOf(layers[i].Activation));
        text.Append(' ').Append(hidden.TrueForAll(name => name == hidden[0]) ? hidden[0] : string.Join(',', hidden));
        text.Append(string.Create(CultureInfo.InvariantCulture,
            $" ({trainer.Network.ParameterCount:N0} parameters), loss {LossOption.NameOf(trainer.Loss.Kind)}, "
            + $"{trainer.Optimizer.Settings.Kind} lr {trainer.Optimizer.Settings.LearningRate:G4}, batch {batch}, "
            + $"epochs {epochs}"));
        if (completed > 0) text.Append(string.Create(CultureInfo.InvariantCulture, $" (resuming after epoch {completed})"));
        return text.ToString();
    }

    private static string FinalLine(FitResult result, EvaluationResult final, string heldOutName, int epochs)
    {
        double seconds = 0;
        foreach (EpochMetrics epoch in result.History) seconds += epoch.EpochSeconds;
        string stop = result.StopReason == FitStopReason.EarlyStopping
            ? string.Create(CultureInfo.InvariantCulture, $", stopped early, best epoch {result.BestEpoch}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{heldOutName} accuracy {final.Accuracy:F4}, loss {final.Loss:F4} after {epochs} epochs ({seconds:F2} s training{stop})");
    }
}
