using Backprop.Cli;
using Backprop.Simd.Model;
using Backprop.Simd.Tests.Cli;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

/// <summary>Issue 14, item 6: every hyper-parameter that would break training is refused at construction, by name.</summary>
public class HyperParameterValidationTests
{
    private static Trainer<float> Create(OptimizerSettings settings) =>
        new(new Network<float>(3, [new Dense(4, Activation.Relu), new Dense(2)], seed: 1), Loss.CrossEntropy(), settings, maxBatch: 4);

    public static TheoryData<string, OptimizerSettings, string> Broken => new()
    {
        { "sgd lr +inf", OptimizerSettings.Sgd(learningRate: double.PositiveInfinity), "learning rate" },
        { "sgd lr NaN", OptimizerSettings.Sgd(learningRate: double.NaN), "learning rate" },
        { "sgd momentum +inf", OptimizerSettings.Sgd(momentum: double.PositiveInfinity), "momentum" },
        { "sgd momentum NaN", OptimizerSettings.Sgd(momentum: double.NaN), "momentum" },
        { "sgd momentum 1.5", OptimizerSettings.Sgd(momentum: 1.5), "momentum" },
        { "sgd weight decay +inf", OptimizerSettings.Sgd(weightDecay: double.PositiveInfinity), "weight decay" },
        { "sgd weight decay NaN", OptimizerSettings.Sgd(weightDecay: double.NaN), "weight decay" },
        { "adam eps +inf", OptimizerSettings.Adam(epsilon: double.PositiveInfinity), "epsilon" },
        { "adam eps NaN", OptimizerSettings.Adam(epsilon: double.NaN), "epsilon" },
        { "adamw lr +inf", OptimizerSettings.AdamW(learningRate: double.PositiveInfinity), "learning rate" },
        { "rmsprop alpha 2", OptimizerSettings.RmsProp(alpha: 2), "alpha" },
        { "rmsprop alpha NaN", OptimizerSettings.RmsProp(alpha: double.NaN), "alpha" },
        { "rmsprop eps +inf", OptimizerSettings.RmsProp(epsilon: double.PositiveInfinity), "epsilon" },
        { "adagrad lr decay +inf", OptimizerSettings.Adagrad(learningRateDecay: double.PositiveInfinity), "learning-rate decay" },
        { "rprop eta plus +inf", OptimizerSettings.Rprop(etaPlus: double.PositiveInfinity), "eta plus" },
        { "rprop max step +inf", OptimizerSettings.Rprop(maxStepSize: double.PositiveInfinity), "max step size" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_hyper_parameter_that_cannot_train_is_refused_naming_it_and_its_range(string name, OptimizerSettings settings, string field)
    {
        var error = Assert.Throws<ArgumentException>(() => Create(settings));
        Assert.True(error.Message.Contains(field + " is ", StringComparison.Ordinal) && error.Message.Contains("must be", StringComparison.Ordinal),
            name + ": " + error.Message);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void MaxGradientNorm_refuses_values_that_are_not_finite_and_positive(double norm)
    {
        Trainer<float> trainer = Create(OptimizerSettings.Adam());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.MaxGradientNorm = norm);
        Assert.Contains("must be finite and > 0", error.Message, StringComparison.Ordinal);
        Assert.Null(trainer.MaxGradientNorm);
        trainer.MaxGradientNorm = 1.5;
        trainer.MaxGradientNorm = null;
    }

    [Theory]
    [InlineData("--clip-norm", "-1")]
    [InlineData("--clip-norm", "0")]
    [InlineData("--clip-norm", "NaN")]
    [InlineData("--lr", "Infinity")]
    [InlineData("--lr", "NaN")]
    [InlineData("--momentum", "Infinity")]
    [InlineData("--weight-decay", "NaN")]
    public void The_cli_refuses_them_as_bad_usage_naming_the_option(string option, string value)
    {
        CliRun.Of("train", "--epochs", "1", "--limit", "50", option, value).Expect(ExitCode.Usage).ExpectOneLineError(option);
    }

    [Fact]
    public void The_cli_refuses_rmsprop_alpha_and_momentum_out_of_range_from_the_library()
    {
        CliRun.Of("train", "--epochs", "1", "--limit", "50", "--optimizer", "momentum", "--momentum", "1.5")
            .Expect(ExitCode.Usage).ExpectOneLineError("momentum is 1.5");
    }
}
