using System.Globalization;
using System.Text;
using Backprop.Simd.Data;
using Backprop.Simd.Model;
using Backprop.Simd.Training;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Training;

/// <summary>
/// The tables of docs-training.md. They run only when BACKPROP_REPORTS=1:
/// <c>BACKPROP_REPORTS=1 dotnet test tests/Backprop.Simd.Tests -c Release --filter Category=Report --logger "console;verbosity=detailed"</c>.
/// </summary>
[Trait("Category", "Report")]
public class TrainingReportTests(ITestOutputHelper output)
{
    private static readonly int[] Passes = [5, 10, 25, 50, 100, 200];

    private static void SkipUnlessAsked() =>
        Skip.IfNot(Environment.GetEnvironmentVariable("BACKPROP_REPORTS") == "1", "set BACKPROP_REPORTS=1 to produce the report tables");

    private static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);

    private static (FitData<float> Train, FitData<float> Test) Digits()
    {
        DatasetPair split = StratifiedSplit.Split(Datasets.Digits(), 0.2, seed: 1);
        return (FitData.From(split.Train), FitData.From(split.Test));
    }

    private static Network<float> DigitsNetwork() => new(64, [new Dense(32, Activation.Tanh), new Dense(10)], seed: 1);

    [SkippableFact]
    public void Lbfgs_versus_adam_on_digits()
    {
        SkipUnlessAsked();
        (FitData<float> train, FitData<float> test) = Digits();
        var table = new StringBuilder();
        table.AppendLine("| full passes | Adam lr 1e-3 loss / test acc | Adam lr 1e-2 loss / test acc | L-BFGS loss / test acc (evaluations, iterations) |");
        table.AppendLine("|---:|---|---|---|");

        double adamSlowLoss = double.NaN, lbfgsLoss = double.NaN;
        var adams = new (Trainer<float> Trainer, FitLoop<float> Loop)[2];
        double[] rates = [1e-3, 1e-2];
        for (int i = 0; i < 2; i++)
        {
            var trainer = new Trainer<float>(DigitsNetwork(), Loss.CrossEntropy(), OptimizerSettings.Adam(rates[i]), maxBatch: 32);
            adams[i] = (trainer, new FitLoop<float>(trainer, train, options: new FitOptions { Epochs = 0, BatchSize = 32, Seed = 2 }));
        }
        foreach (int passes in Passes)
        {
            var row = new StringBuilder("| " + passes + " |");
            for (int i = 0; i < 2; i++)
            {
                // One epoch of mini-batch Adam is one forward and backward pass over the training rows, as is one
                // L-BFGS evaluation.
                (Trainer<float> trainer, FitLoop<float> loop) = adams[i];
                var more = new FitLoop<float>(trainer, train, options: loop.Options with { Epochs = passes });
                more.ResumeAt(loop.CompletedEpochs, loop.ShuffleState);
                more.Run();
                adams[i] = (trainer, more);
                EvaluationResult trained = Evaluation.Evaluate(trainer, train), tested = Evaluation.Evaluate(trainer, test);
                if (i == 0) adamSlowLoss = trained.Loss;
                row.Append(" ").Append(F(trained.Loss, "E2")).Append(" / ").Append(F(tested.Accuracy, "P1")).Append(" |");
            }
            var lbfgsTrainer = new Trainer<float>(DigitsNetwork(), Loss.CrossEntropy(), OptimizerSettings.Sgd(), maxBatch: 512);
            var lbfgs = new Lbfgs<float>(lbfgsTrainer, new LbfgsSettings { MaxIterations = 100_000, MaxEvaluations = passes });
            LbfgsStepResult result = lbfgs.Step(train);
            EvaluationResult lbfgsTrain = Evaluation.Evaluate(lbfgsTrainer, train), lbfgsTest = Evaluation.Evaluate(lbfgsTrainer, test);
            lbfgsLoss = lbfgsTrain.Loss;
            row.Append(" ").Append(F(lbfgsTrain.Loss, "E2")).Append(" / ").Append(F(lbfgsTest.Accuracy, "P1"))
                .Append(" (").Append(result.Evaluations).Append(", ").Append(result.Iterations).Append(", ").Append(result.StopReason).Append(") |");
            table.AppendLine(row.ToString());
        }
        output.WriteLine("digits: " + train.Count + " training rows, " + test.Count + " test rows; 64-32 tanh-10, seed 1; full-batch training loss");
        output.WriteLine(table.ToString());
        // After the longest budget the second-order method has fitted the training set far better than Adam at 1e-3.
        Assert.True(lbfgsLoss < adamSlowLoss, "L-BFGS " + F(lbfgsLoss, "E2") + " vs Adam " + F(adamSlowLoss, "E2"));
    }

    [SkippableFact]
    public void First_layer_gradient_norms_of_deep_sigmoid_and_relu_networks_on_digits()
    {
        SkipUnlessAsked();
        (FitData<float> train, _) = Digits();
        var table = new StringBuilder("| layer | sigmoid ‖∂W‖ epoch 1 | sigmoid epoch 5 | ReLU ‖∂W‖ epoch 1 | ReLU epoch 5 |\n|---:|---:|---:|---:|---:|\n");
        var history = new List<IReadOnlyList<EpochMetrics>>();
        foreach (Activation activation in new[] { Activation.Sigmoid, Activation.Relu })
        {
            var layers = new Dense[10];
            for (int i = 0; i < 9; i++) layers[i] = new Dense(32, activation);
            layers[9] = new Dense(10);
            var network = new Network<float>(64, layers, seed: 1, Initialization.KaimingUniform());
            var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(0.05), maxBatch: 64);
            history.Add(new FitLoop<float>(trainer, train, options: new FitOptions { Epochs = 5, Seed = 3, TrackLayerNorms = true }).Run().History);
        }
        for (int l = 0; l < 10; l++)
        {
            table.Append("| ").Append(l).Append(" | ").Append(F(history[0][0].WeightGradientNorms[l], "E2")).Append(" | ")
                .Append(F(history[0][4].WeightGradientNorms[l], "E2")).Append(" | ").Append(F(history[1][0].WeightGradientNorms[l], "E2"))
                .Append(" | ").Append(F(history[1][4].WeightGradientNorms[l], "E2")).AppendLine(" |");
        }
        output.WriteLine(table.ToString());
        output.WriteLine("train loss by epoch, sigmoid: " + string.Join(", ", history[0].Select(m => F(m.TrainLoss))));
        output.WriteLine("train loss by epoch, ReLU:    " + string.Join(", ", history[1].Select(m => F(m.TrainLoss))));
        Assert.True(history[0][0].WeightGradientNorms[0] < history[1][0].WeightGradientNorms[0] / 100,
            "the sigmoid network's first-layer gradient should be far below the ReLU network's");
    }
}
