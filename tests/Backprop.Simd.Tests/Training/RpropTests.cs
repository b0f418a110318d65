using Backprop.Simd.Model;
using Backprop.Simd.Tests.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

public class RpropTests
{
    /// <summary>torch.optim.Rprop's single-tensor step, line by line, per element; with plus, Igel &amp; Hüsken's iRprop⁺.</summary>
    private sealed class Reference(int count, double lr, bool plus)
    {
        private readonly double[] _prev = new double[count], _change = new double[count];
        private readonly double[] _stepSize = Enumerable.Repeat(lr, count).ToArray();
        private double _previousLoss = double.PositiveInfinity;
        public int Backtracks { get; private set; }

        public void Update(double[] p, double[] grad, double loss)
        {
            bool increased = loss > _previousLoss;
            _previousLoss = loss;
            for (int i = 0; i < p.Length; i++)
            {
                double sign = Math.Sign(grad[i] * _prev[i]);
                double factor = sign > 0 ? 1.2 : sign < 0 ? 0.5 : 1; // sign[sign.gt(0)] = etaplus, …, sign[sign.eq(0)] = 1
                _stepSize[i] = Math.Clamp(_stepSize[i] * factor, 1e-6, 50); // step_size.mul_(sign).clamp_(min, max)
                double g = factor == 0.5 ? 0 : grad[i]; // grad[sign.eq(etaminus)] = 0
                double change = -Math.Sign(g) * _stepSize[i]; // param.addcmul_(grad.sign(), step_size, value=-1)
                if (plus && factor == 0.5 && increased)
                {
                    change = -_change[i]; // iRprop⁺: undo the last change of this weight
                    Backtracks++;
                }
                p[i] += change;
                _change[i] = change;
                _prev[i] = g; // prev.copy_(grad)
            }
        }
    }

    [Fact]
    public void Rprop_follows_torch_optim_rprop_on_a_hand_worked_gradient_sequence()
    {
        var network = new Network<double>(1, [new Dense(1)], seed: 1);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Rprop(), maxBatch: 1);
        double w0 = network.Parameters[0];
        // gradient → (Δ after the step, parameter change, prev kept)
        (double Gradient, double StepSize, double Change, double Prev)[] steps =
        [
            (2, 0.01, -0.01, 2),             // no previous gradient: factor 1
            (3, 0.01 * 1.2, -0.012, 3),      // same sign: Δ·η₊
            (-1, 0.012 * 0.5, 0, 0),         // sign change: Δ·η₋, no move, gradient forgotten
            (-1, 0.006, 0.006, -1),          // previous gradient 0: factor 1, move against the sign
            (0.5, 0.006 * 0.5, 0, 0),        // sign change again
        ];
        double expected = w0;
        foreach ((double g, double stepSize, double change, double prev) in steps)
        {
            trainer.Gradients[0] = g;
            trainer.Gradients[1] = 0;
            trainer.ApplyGradients();
            expected += change;
            Assert.Equal(stepSize, trainer.Optimizer.Buffer(1)[0], 15);
            Assert.Equal(prev, trainer.Optimizer.Buffer(0)[0]);
            Assert.Equal(expected, network.Parameters[0], 15);
            Assert.Equal(0.01, trainer.Optimizer.Buffer(1)[1]); // the bias saw only zero gradients
        }
        Assert.Equal(("prev", "step_size"), (trainer.Optimizer.BufferName(0), trainer.Optimizer.BufferName(1)));
    }

    [Fact]
    public void Rprop_step_sizes_are_clamped_to_the_step_size_bounds()
    {
        var network = new Network<double>(1, [new Dense(1)], seed: 1);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Rprop(learningRate: 40), maxBatch: 1);
        for (int i = 0; i < 3; i++)
        {
            trainer.Gradients[0] = 1;
            trainer.ApplyGradients();
        }
        Assert.Equal(50, trainer.Optimizer.Buffer(1)[0]);
        // Alternating signs halve Δ every other step (a flip forgets the gradient, so the next product is 0):
        // 40 halvings take 50 far below 1e-6.
        for (int i = 0; i < 80; i++)
        {
            trainer.Gradients[0] = i % 2 == 0 ? -1 : 1;
            trainer.ApplyGradients();
        }
        Assert.Equal(1e-6, trainer.Optimizer.Buffer(1)[0]);
    }

    private static int AssertMatchesReference(OptimizerSettings settings, bool plus, int steps)
    {
        var network = new Network<double>(3, [new Dense(6, Activation.Tanh), new Dense(2)], seed: 4);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, settings, maxBatch: 4);
        double[,] x = TestData.Normal<double>(10, 3, seed: 5);
        double[,] targets = TestData.Normal<double>(10, 2, seed: 6);
        var reference = new Reference(network.ParameterCount, settings.LearningRate, plus);
        double[] expected = network.Parameters.ToArray();
        for (int step = 1; step <= steps; step++)
        {
            double loss = trainer.ComputeDatasetGradients(x, targets); // 10 rows in chunks of 4: full batch
            reference.Update(expected, trainer.Gradients.ToArray(), loss);
            trainer.ApplyGradients();
            HandCheckedNetworkTests.AssertClose(expected, network.Parameters.ToArray(), $"step {step} parameter", 1e-15);
        }
        return reference.Backtracks;
    }

    [Fact]
    public void Rprop_follows_torch_optim_rprop_step_by_step_on_full_batch_gradients() =>
        AssertMatchesReference(OptimizerSettings.Rprop(), plus: false, steps: 30);

    [Fact]
    public void IRpropPlus_undoes_the_last_change_of_weights_whose_gradient_flipped_when_the_loss_rose()
    {
        // A large initial step overshoots, so the loss rises and backtracking happens.
        int backtracks = AssertMatchesReference(OptimizerSettings.IRpropPlus(learningRate: 0.5), plus: true, steps: 30);
        Assert.True(backtracks > 0, "the case should exercise weight backtracking");
    }

    [Fact]
    public void Rprop_hyper_parameters_default_to_pytorchs_and_bad_etas_are_rejected()
    {
        OptimizerSettings rprop = OptimizerSettings.Rprop();
        Assert.Equal((0.01, 0.5, 1.2, 1e-6, 50.0), (rprop.LearningRate, rprop.EtaMinus, rprop.EtaPlus, rprop.MinStepSize, rprop.MaxStepSize));
        Assert.Throws<ArgumentException>(() => OptimizerSettings.Rprop(etaMinus: 1.0).Validate());
        Assert.Throws<ArgumentException>(() => OptimizerSettings.IRpropPlus(etaPlus: 0.9).Validate());
    }

    [Fact]
    public void Data_set_gradients_in_chunks_equal_the_gradients_of_one_batch_of_every_row()
    {
        var network = new Network<double>(5, [new Dense(6, Activation.Relu), new Dense(3)], seed: 7);
        double[,] x = TestData.Normal<double>(11, 5, seed: 8);
        int[] labels = TestData.Labels(11, 3, seed: 9);
        double[] weights = [1, 0.5, 2, 0, 0, 0, 1, 3, 1, 1, 0.25]; // the second chunk of 3 weighs nothing
        var whole = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(), 11);
        var chunked = new Trainer<double>(network, Loss.CrossEntropy(), OptimizerSettings.Sgd(), 3);
        whole.SetClassWeights([1.0, 2.0, 0.5]);
        chunked.SetClassWeights([1.0, 2.0, 0.5]);

        double expectedLoss = whole.ComputeGradients(x, labels, weights);
        double loss = chunked.ComputeDatasetGradients(x, labels, weights);

        Assert.Equal(expectedLoss, loss, 14);
        HandCheckedNetworkTests.AssertClose(whole.Gradients.ToArray(), chunked.Gradients.ToArray(), "gradient", 1e-14);
    }
}
