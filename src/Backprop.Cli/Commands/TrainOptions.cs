using System.CommandLine;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.Distributed;
using Backprop.Simd.Model;

namespace Backprop.Cli.Commands;

/// <summary>Every option of <c>backprop train</c>, and the settings they add up to.</summary>
internal sealed class TrainOptions
{
    /// <summary>The default learning rate: reaches ≥ 0.96 on digits in the default 10 epochs (see docs).</summary>
    public const double DefaultLearningRate = 0.01;

    public DataOptions Data { get; } = new();
    public Option<int[]> Layers { get; } = LayersOption.Create("128");
    public Option<string> Activation { get; } = ActivationOption.Create("Hidden-layer activation.", "relu");
    public Choice<LossKind> Loss { get; } = LossOption.Create("Training loss (mse and bce train on one-hot targets).", "cross-entropy");
    public Choice<OptimizerChoice> Optimizer { get; } = OptimizerOption.Create();
    public Option<double> LearningRate { get; } = new Option<double>("--lr")
    {
        Description = "Learning rate.",
        DefaultValueFactory = _ => DefaultLearningRate,
    }.AtLeast(0.0).Finite();
    public Option<double?> WeightDecay { get; } = new Option<double?>("--weight-decay")
    {
        Description = "L2 weight decay (decoupled for adamw; default 0, adamw 0.01).",
    }.FiniteAbove(0, inclusive: true);
    public Option<double> Momentum { get; } = new Option<double>("--momentum")
    {
        Description = "Momentum of the momentum and nesterov optimizers.",
        DefaultValueFactory = _ => 0.9,
    }.AtLeast(0.0).Finite();
    public Choice<ScheduleChoice> Schedule { get; } = ScheduleOption.Create();
    public Option<int> Warmup { get; } = new Option<int>("--warmup")
    {
        Description = "Epochs of linear learning-rate warm-up from a third of --lr (default 0).",
    }.AtLeast(0);
    public Option<int> Batch { get; } = new Option<int>("--batch")
    {
        Description = "Mini-batch size (rprop and irprop+: the whole training set unless given).",
        DefaultValueFactory = _ => 128,
    }.AtLeast(1);
    public Option<int> Epochs { get; } = new Option<int>("--epochs")
    {
        Description = "Epochs to train; with --resume, the total including the epochs already done.",
        DefaultValueFactory = _ => 10,
    }.AtLeast(1);
    public Option<ulong> Seed { get; } = new("--seed")
    {
        Description = "Seed of the initial weights, the validation split and the shuffling.",
        DefaultValueFactory = _ => 42UL,
    };
    public Option<int> Threads { get; } = ThreadsOption.Create("Threads that share each matrix product.");
    public Option<double?> ClipNorm { get; } = new Option<double?>("--clip-norm")
    {
        Description = "Clip the gradient's global L2 norm to this value (clip_grad_norm_), a finite number above 0.",
    }.FiniteAbove(0);
    public Option<double> LabelSmoothing { get; } = new Option<double>("--label-smoothing")
    {
        Description = "Label smoothing of the cross-entropy loss, in [0, 1) (default 0).",
    }.AtLeast(0.0);
    public Option<double> ValidationSplit { get; } = new Option<double>("--validation-split")
    {
        Description = "Share of the training data held out for validation when the data has no test set.",
        DefaultValueFactory = _ => 0.2,
    }.Between(0, 1);
    public Option<bool> Standardize { get; } = new("--standardize")
    {
        Description = "Scale each feature to mean 0 and standard deviation 1 (statistics of the training set, saved in the model).",
    };
    public Option<int?> Limit { get; } = new("--limit")
    {
        Description = "Use at most this many training and this many held-out samples (quick experiments).",
    };
    public Option<int?> Patience { get; } = new("--patience")
    {
        Description = "Stop early after this many epochs without a better held-out loss, and keep the best weights.",
    };
    public Option<string?> Save { get; } = new("--save")
    {
        Description = "Write the trained model (with optimizer state, for --resume) here at the end, and a resumable "
            + "checkpoint on Ctrl+C and every --checkpoint-every epochs.",
    };
    public Option<int> CheckpointEvery { get; } = new Option<int>("--checkpoint-every")
    {
        Description = "Also save the checkpoint to --save after every N epochs (0: only at the end and on Ctrl+C).",
        DefaultValueFactory = _ => 0,
    }.AtLeast(0);
    public Option<string?> Resume { get; } = new("--resume")
    {
        Description = "Continue the run saved in this file exactly; its architecture, loss, optimizer and schedule are "
            + "used, the data, batch and seed options must repeat the original run's.",
    };
    public Option<string?> Metrics { get; } = new("--metrics")
    {
        Description = "Write per-epoch metrics here, one JSON object per line (JSONL).",
    };
    public Option<string?> Plot { get; } = new("--plot")
    {
        Description = "Write the learning curves (loss and accuracy per epoch) as an SVG image; the path ends in .svg.",
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<string?>() is string path && !TrainingPlot.IsSvgPath(path))
                    result.AddError("--plot " + path + ": the plot is an SVG image; give a path ending in "
                        + TrainingPlot.Extension + " (e.g. --plot curves.svg).");
            },
        },
    };
    public Option<bool> Quiet { get; } = new("--quiet") { Description = "Print only the final result line." };
    public Option<bool> ReportGradients { get; } = new("--report-gradients")
    {
        Description = "Print each layer's mean gradient norm ‖∂L/∂W‖ and error norm ‖δ‖ after every epoch.",
    };

    public Option<bool> Distributed { get; } = new("--distributed")
    {
        Description = "Data-parallel training over MPI: start as mpirun -np N backprop train --distributed ...; each rank "
            + "trains its share of every batch and the gradients are summed before each step. Rank 0 prints and saves.",
    };
    public Choice<GradientReduction> Reduction { get; } = ReductionOption.Create();

    public void AddTo(Command command)
    {
        Data.AddTo(command);
        foreach (Option option in (Option[])[Layers, Activation, Loss.Option, Optimizer.Option, LearningRate, WeightDecay,
            Momentum, Schedule.Option, Warmup, Batch, Epochs, Seed, Threads, ClipNorm, LabelSmoothing, ValidationSplit, Standardize, Limit,
            Patience, Save, CheckpointEvery, Resume, Metrics, Plot, Quiet, ReportGradients, Distributed, Reduction.Option])
            command.Options.Add(option);
    }
}
