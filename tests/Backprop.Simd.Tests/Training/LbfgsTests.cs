using Backprop.Simd.Model;
using Backprop.Simd.Training;
using CommunityToolkit.HighPerformance;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Training;

public class LbfgsTests(ITestOutputHelper output)
{
    [Fact]
    public void On_linear_least_squares_lbfgs_reaches_the_normal_equations_solution_and_stops_on_the_gradient_tolerance()
    {
        const int rows = 30, features = 4;
        double[,] x = TestData.Normal<double>(rows, features, seed: 1);
        double[,] y = new double[rows, 1];
        double[,] noise = TestData.Normal<double>(rows, 1, seed: 2, scale: 0.1);
        for (int r = 0; r < rows; r++) y[r, 0] = 1.5 * x[r, 0] - 2 * x[r, 1] + 0.5 * x[r, 3] + 0.3 + noise[r, 0];
        var network = new Network<double>(features, [new Dense(1)], seed: 3);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(), maxBatch: 8);
        // PyTorch's default tolerance_change stops once gᵀd > −1e-9, about 1e-5 from the optimum here; tighter
        // tolerances let the gradient test end it.
        var lbfgs = new Lbfgs<double>(trainer, new LbfgsSettings { MaxIterations = 50, ToleranceGrad = 1e-10, ToleranceChange = 1e-20 });

        LbfgsStepResult result = lbfgs.Step(new FitData<double>(x, new ReadOnlyMemory2D<double>(y)));

        // Least squares with an intercept: solve [X 1]ᵀ[X 1] β = [X 1]ᵀ y by Gaussian elimination.
        double[] beta = SolveNormalEquations(x, y);
        double[] fitted = [.. network.Parameters];
        output.WriteLine($"{result}; β = {string.Join(", ", beta)}; fitted = {string.Join(", ", fitted)}");
        Assert.Equal(LbfgsStopReason.GradientTolerance, result.StopReason);
        Model.HandCheckedNetworkTests.AssertClose(beta, fitted, "least-squares coefficient", 1e-8);
        Assert.True(result.Iterations <= 20, "a 5-parameter quadratic should take few iterations, took " + result.Iterations);

        LbfgsStepResult again = lbfgs.Step(new FitData<double>(x, new ReadOnlyMemory2D<double>(y)));
        Assert.Equal((0, 1, LbfgsStopReason.GradientTolerance), (again.Iterations, again.Evaluations, again.StopReason));
    }

    private static double[] SolveNormalEquations(double[,] x, double[,] y)
    {
        int n = x.GetLength(0), k = x.GetLength(1) + 1;
        var a = new double[k, k + 1];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < k; i++)
            {
                double xi = i < k - 1 ? x[r, i] : 1;
                for (int j = 0; j < k; j++) a[i, j] += xi * (j < k - 1 ? x[r, j] : 1);
                a[i, k] += xi * y[r, 0];
            }
        }
        for (int p = 0; p < k; p++)
        {
            for (int i = p + 1; i < k; i++)
            {
                double factor = a[i, p] / a[p, p];
                for (int j = p; j <= k; j++) a[i, j] -= factor * a[p, j];
            }
        }
        var beta = new double[k];
        for (int i = k - 1; i >= 0; i--)
        {
            double sum = a[i, k];
            for (int j = i + 1; j < k; j++) sum -= a[i, j] * beta[j];
            beta[i] = sum / a[i, i];
        }
        return beta; // weights then bias: the parameter block's order for one layer of one unit
    }

    [Fact]
    public void Lbfgs_reaches_a_lower_loss_than_the_best_tuned_gradient_descent_with_the_same_number_of_evaluations()
    {
        double[,] x = TestData.Normal<double>(60, 5, seed: 4);
        int[] labels = new int[60];
        for (int r = 0; r < 60; r++) labels[r] = (x[r, 0] * x[r, 1] > 0 ? 1 : 0) + (x[r, 2] > 0.5 ? 1 : 0); // a nonlinear rule
        var data = new FitData<double>(x, labels);
        Network<double> NewNetwork() => new(5, [new Dense(12, Activation.Tanh), new Dense(3)], seed: 5);

        var lbfgsTrainer = new Trainer<double>(NewNetwork(), Loss.CrossEntropy(), OptimizerSettings.Sgd(), 60);
        var lbfgs = new Lbfgs<double>(lbfgsTrainer, new LbfgsSettings { MaxIterations = 1000, MaxEvaluations = 150 });
        LbfgsStepResult result = lbfgs.Step(data);
        double lbfgsLoss = Evaluation.Evaluate(lbfgsTrainer, data).Loss;

        double bestGradientDescent = double.PositiveInfinity;
        foreach (double rate in new[] { 0.1, 0.3, 1.0, 3.0 })
        {
            var trainer = new Trainer<double>(NewNetwork(), Loss.CrossEntropy(), OptimizerSettings.Sgd(rate), 60);
            for (int i = 0; i < result.Evaluations; i++)
            {
                trainer.ComputeDatasetGradients(x, labels);
                trainer.ApplyGradients();
            }
            double loss = Evaluation.Evaluate(trainer, data).Loss;
            output.WriteLine($"gradient descent lr {rate}: loss {loss:F6} after {result.Evaluations} evaluations");
            if (!double.IsNaN(loss)) bestGradientDescent = Math.Min(bestGradientDescent, loss);
        }
        output.WriteLine($"L-BFGS: loss {lbfgsLoss:F6} after {result.Evaluations} evaluations, {result.Iterations} iterations ({result.StopReason})");
        Assert.True(lbfgsLoss < bestGradientDescent, $"L-BFGS {lbfgsLoss} vs gradient descent {bestGradientDescent}");
        Assert.True(lbfgsLoss < 0.5 * bestGradientDescent, $"L-BFGS {lbfgsLoss} should be far below gradient descent {bestGradientDescent}");
    }

    [Fact]
    public void Fixed_steps_without_line_search_follow_pytorchs_path_of_one_evaluation_per_iteration()
    {
        double[,] x = TestData.Normal<double>(20, 3, seed: 6);
        var data = new FitData<double>(x, TestData.Labels(20, 2, seed: 7));
        var trainer = new Trainer<double>(new Network<double>(3, [new Dense(2)], seed: 8), Loss.CrossEntropy(), OptimizerSettings.Sgd(), 20);
        var lbfgs = new Lbfgs<double>(trainer, new LbfgsSettings { StrongWolfe = false, LearningRate = 0.5, MaxIterations = 6 });
        LbfgsStepResult result = lbfgs.Step(data);
        // The first evaluation plus one after each iteration but the last.
        Assert.Equal((6, 6, LbfgsStopReason.MaxIterations), (result.Iterations, result.Evaluations, result.StopReason));
        Assert.True(result.Loss < result.InitialLoss);
    }

    [Fact]
    public void Bad_settings_are_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lbfgs<double>(
            new Trainer<double>(new Network<double>(1, [new Dense(1)]), Loss.MeanSquaredError, OptimizerSettings.Sgd(), 1),
            new LbfgsSettings { HistorySize = 0 }));
}

[Collection(nameof(AllocationMeasurements))]
public class LbfgsAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void Lbfgs_iterations_allocate_nothing_after_warm_up()
    {
        float[,] x = TestData.Normal<float>(100, 8, seed: 1);
        var data = new FitData<float>(x, TestData.Labels(100, 4, seed: 2));
        Lbfgs<float> NewLbfgs()
        {
            var network = new Network<float>(8, [new Dense(16, Activation.Relu), new Dense(4)], seed: 3);
            var trainer = new Trainer<float>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(), maxBatch: 32); // 4 chunks
            return new Lbfgs<float>(trainer, new LbfgsSettings { MaxIterations = 5, ToleranceChange = 0, ToleranceGrad = 0 });
        }

        // Repeated steps converge and stop doing iterations, so a twin restarted from its initial parameters takes the
        // warm-up until the runtime has finished compiling, and the measured instance steps from the start.
        Lbfgs<float> twin = NewLbfgs(), lbfgs = NewLbfgs();
        float[] initial = twin.Trainer.Network.Parameters.ToArray();
        SteadyState.AllocatedBytes(_ =>
        {
            initial.CopyTo(twin.Trainer.Network.Parameters);
            twin.Step(data);
        }, calls: 1);
        lbfgs.Step(data); // allocates the trainer's data-set gradient block

        long before = GC.GetAllocatedBytesForCurrentThread();
        LbfgsStepResult result = lbfgs.Step(data);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"{result}: {allocated} B");
        Assert.True(result.Iterations >= 3);
        Assert.Equal(0, allocated);
    }
}
