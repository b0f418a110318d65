using Backprop.Simd.Training;

namespace Backprop.Cli.Options;

/// <summary>
/// <c>--optimizer</c>: the library's optimizers under the names users know; <c>momentum</c> and <c>nesterov</c> are SGD
/// with <c>--momentum</c> (0.9 by default), classic or Nesterov; <c>rprop</c> (PyTorch's, iRprop⁻) and <c>irprop+</c>
/// are full-batch methods.
/// </summary>
internal enum OptimizerChoice
{
    Sgd,
    Momentum,
    Nesterov,
    Adam,
    AdamW,
    RmsProp,
    Adagrad,
    Rprop,
    IRpropPlus,
}

internal static class OptimizerOption
{
    private static readonly Dictionary<string, OptimizerChoice> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sgd"] = OptimizerChoice.Sgd,
        ["momentum"] = OptimizerChoice.Momentum,
        ["nesterov"] = OptimizerChoice.Nesterov,
        ["adam"] = OptimizerChoice.Adam,
        ["adamw"] = OptimizerChoice.AdamW,
        ["rmsprop"] = OptimizerChoice.RmsProp,
        ["adagrad"] = OptimizerChoice.Adagrad,
        ["rprop"] = OptimizerChoice.Rprop,
        ["irprop+"] = OptimizerChoice.IRpropPlus,
    };

    /// <summary>Whether the method only makes sense on the whole training set at once (RPROP's sign-based steps).</summary>
    public static bool IsFullBatch(OptimizerChoice choice) => choice is OptimizerChoice.Rprop or OptimizerChoice.IRpropPlus;

    public static Choice<OptimizerChoice> Create() => new("--optimizer", "The optimizer (torch.optim definitions).", Names, "adam");

    /// <summary>
    /// The settings for a choice; a null <paramref name="weightDecay"/> keeps the optimizer's PyTorch default (1e-2 for
    /// AdamW, 0 for the others).
    /// </summary>
    public static OptimizerSettings Settings(OptimizerChoice choice, double learningRate, double? weightDecay, double momentum)
    {
        OptimizerSettings settings = choice switch
        {
            OptimizerChoice.Sgd => OptimizerSettings.Sgd(learningRate),
            OptimizerChoice.Momentum => OptimizerSettings.Sgd(learningRate, momentum),
            OptimizerChoice.Nesterov => OptimizerSettings.Sgd(learningRate, momentum, nesterov: true),
            OptimizerChoice.Adam => OptimizerSettings.Adam(learningRate),
            OptimizerChoice.AdamW => OptimizerSettings.AdamW(learningRate),
            OptimizerChoice.RmsProp => OptimizerSettings.RmsProp(learningRate),
            OptimizerChoice.Adagrad => OptimizerSettings.Adagrad(learningRate),
            OptimizerChoice.Rprop => OptimizerSettings.Rprop(learningRate),
            OptimizerChoice.IRpropPlus => OptimizerSettings.IRpropPlus(learningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "Unknown optimizer."),
        };
        return weightDecay is double decay ? settings with { WeightDecay = decay } : settings;
    }
}
