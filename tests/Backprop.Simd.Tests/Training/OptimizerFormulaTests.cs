using Backprop.Simd.Model;
using Backprop.Simd.Tests.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.Tests.Training;

/// <summary>
/// Each optimizer against torch.optim's update written out in plain scalar code, for three real training steps: the
/// gradients come from the network, the reference keeps its own state.
/// </summary>
public class OptimizerFormulaTests
{
    private interface IReference
    {
        void Update(double[] p, double[] g, int step);
    }

    private static void AssertMatchesReference(OptimizerSettings settings, IReference reference)
    {
        var network = new Network<double>(3, [new Dense(4, Activation.Tanh), new Dense(2)], seed: 4);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, settings, maxBatch: 4);
        double[,] x = TestData.Normal<double>(4, 3, seed: 5);
        double[,] targets = TestData.Normal<double>(4, 2, seed: 6);
        double[] expected = network.Parameters.ToArray();
        for (int step = 1; step <= 3; step++)
        {
            trainer.ComputeGradients(x, targets);
            double[] g = trainer.Gradients.ToArray();
            network.Parameters.CopyTo(expected);
            reference.Update(expected, g, step);
            trainer.ApplyGradients();
            HandCheckedNetworkTests.AssertClose(expected, network.Parameters.ToArray(), $"step {step} parameter", 1e-14);
        }
        Assert.Equal(3, trainer.StepCount);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false)]
    [InlineData(0.9, 0.0, 0.0, false)]
    [InlineData(0.9, 0.3, 0.01, false)]
    [InlineData(0.9, 0.0, 0.01, true)]
    public void Sgd_follows_torch_optim_sgd(double momentum, double dampening, double weightDecay, bool nesterov) =>
        AssertMatchesReference(OptimizerSettings.Sgd(0.1, momentum, dampening, weightDecay, nesterov),
            new SgdReference(0.1, momentum, dampening, weightDecay, nesterov));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void Adam_follows_torch_optim_adam_with_l2_weight_decay(double weightDecay) =>
        AssertMatchesReference(OptimizerSettings.Adam(0.01, weightDecay: weightDecay),
            new AdamReference(0.01, 0.9, 0.999, 1e-8, weightDecay, decoupled: false));

    [Fact]
    public void AdamW_follows_torch_optim_adamw_with_decoupled_weight_decay() =>
        AssertMatchesReference(OptimizerSettings.AdamW(0.01, weightDecay: 0.1),
            new AdamReference(0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: true));

    [Theory]
    [InlineData(0.0, 0.0, false)]
    [InlineData(0.9, 0.01, true)]
    [InlineData(0.5, 0.0, false)]
    public void RmsProp_follows_torch_optim_rmsprop(double momentum, double weightDecay, bool centered) =>
        AssertMatchesReference(OptimizerSettings.RmsProp(0.01, momentum: momentum, weightDecay: weightDecay, centered: centered),
            new RmsPropReference(0.01, 0.99, 1e-8, weightDecay, momentum, centered));

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.1, 0.01, 0.5)]
    public void Adagrad_follows_torch_optim_adagrad(double learningRateDecay, double weightDecay, double initialAccumulator) =>
        AssertMatchesReference(OptimizerSettings.Adagrad(0.1, learningRateDecay, weightDecay, initialAccumulator),
            new AdagradReference(0.1, learningRateDecay, weightDecay, initialAccumulator, 1e-10));

    [Fact]
    public void Default_hyper_parameters_are_pytorchs()
    {
        OptimizerSettings adam = OptimizerSettings.Adam(), adamW = OptimizerSettings.AdamW();
        OptimizerSettings rms = OptimizerSettings.RmsProp(), adagrad = OptimizerSettings.Adagrad();
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 0.0), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay));
        Assert.Equal((1e-3, 1e-2), (adamW.LearningRate, adamW.WeightDecay));
        Assert.Equal((1e-2, 0.99, 1e-8, 0.0, false), (rms.LearningRate, rms.Alpha, rms.Epsilon, rms.Momentum, rms.Centered));
        Assert.Equal((1e-2, 0.0, 0.0, 1e-10), (adagrad.LearningRate, adagrad.LearningRateDecay, adagrad.InitialAccumulatorValue, adagrad.Epsilon));
        Assert.Equal((1e-3, 0.0, 0.0, false), (OptimizerSettings.Sgd().LearningRate, OptimizerSettings.Sgd().Momentum, OptimizerSettings.Sgd().Dampening, OptimizerSettings.Sgd().Nesterov));
    }

    [Fact]
    public void Nesterov_without_momentum_is_rejected_as_pytorch_does() =>
        Assert.Throws<ArgumentException>(() => new Trainer<double>(new Network<double>(2, [new Dense(1)]),
            Loss.MeanSquaredError, OptimizerSettings.Sgd(0.1, nesterov: true), 1));

    [Fact]
    public void Clipping_scales_gradients_by_max_norm_over_norm_plus_1e_minus_6_only_when_below_one()
    {
        var network = new Network<double>(3, [new Dense(4, Activation.Tanh), new Dense(2)], seed: 4);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(1.0), maxBatch: 4);
        double[,] x = TestData.Normal<double>(4, 3, seed: 5, scale: 3);
        double[,] targets = TestData.Normal<double>(4, 2, seed: 6, scale: 10);
        trainer.ComputeGradients(x, targets);
        double[] g = trainer.Gradients.ToArray();
        double norm = Math.Sqrt(g.Sum(v => v * v));
        double[] before = network.Parameters.ToArray();

        trainer.MaxGradientNorm = norm / 2;
        trainer.ApplyGradients();

        double coefficient = norm / 2 / (norm + 1e-6);
        double[] expected = before.Select((p, i) => p - coefficient * g[i]).ToArray();
        HandCheckedNetworkTests.AssertClose(expected, network.Parameters.ToArray(), "clipped parameter", 1e-13);
        Assert.Equal(norm, trainer.LastGradientNorm, 12);

        // A max_norm above the norm leaves the gradient alone.
        trainer.ComputeGradients(x, targets);
        g = trainer.Gradients.ToArray();
        before = network.Parameters.ToArray();
        trainer.MaxGradientNorm = 1e6;
        trainer.ApplyGradients();
        expected = before.Select((p, i) => p - g[i]).ToArray();
        HandCheckedNetworkTests.AssertClose(expected, network.Parameters.ToArray(), "unclipped parameter", 1e-15);
    }

    [Fact]
    public void Every_update_reports_the_global_gradient_norm_and_whether_it_clipped()
    {
        var network = new Network<double>(3, [new Dense(4, Activation.Tanh), new Dense(2)], seed: 4);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(0.01), maxBatch: 4);
        double[,] x = TestData.Normal<double>(4, 3, seed: 5, scale: 3);
        double[,] targets = TestData.Normal<double>(4, 2, seed: 6, scale: 10);
        Assert.True(double.IsNaN(trainer.LastGradientNorm));

        trainer.ComputeGradients(x, targets);
        double norm = Math.Sqrt(trainer.Gradients.ToArray().Sum(v => v * v));
        trainer.ApplyGradients();
        Assert.Equal(norm, trainer.LastGradientNorm, 12);
        Assert.False(trainer.LastStepClipped);

        trainer.MaxGradientNorm = 1e-3;
        trainer.ComputeGradients(x, targets);
        trainer.ApplyGradients();
        Assert.True(trainer.LastStepClipped);

        trainer.MaxGradientNorm = 1e9;
        trainer.ComputeGradients(x, targets);
        trainer.ApplyGradients();
        Assert.False(trainer.LastStepClipped);
    }

    [Fact]
    public void Schedules_follow_pytorch_closed_forms()
    {
        Assert.Equal(0.1, LearningRateSchedule.Constant.RateAt(0.1, 1000));
        LearningRateSchedule stepDecay = LearningRateSchedule.StepDecay(10, gamma: 0.5);
        Assert.Equal(0.1, stepDecay.RateAt(0.1, 9));
        Assert.Equal(0.05, stepDecay.RateAt(0.1, 10));
        Assert.Equal(0.025, stepDecay.RateAt(0.1, 25));
        LearningRateSchedule cosine = LearningRateSchedule.CosineAnnealing(100, minimumRate: 0.01);
        Assert.Equal(0.1, cosine.RateAt(0.1, 0), 15);
        Assert.Equal(0.01 + 0.09 * (1 + Math.Cos(Math.PI * 0.25)) / 2, cosine.RateAt(0.1, 25), 15);
        Assert.Equal(0.01, cosine.RateAt(0.1, 100), 15);
        LearningRateSchedule warmup = LearningRateSchedule.LinearWarmup(4, startFactor: 0.2);
        Assert.Equal(0.02, warmup.RateAt(0.1, 0), 15);
        Assert.Equal(0.06, warmup.RateAt(0.1, 2), 15);
        Assert.Equal(0.1, warmup.RateAt(0.1, 4), 15);
        Assert.Equal(0.1, warmup.RateAt(0.1, 40), 15);
        Assert.Equal(cosine.RateAt(0.1, 2) * 0.6, cosine.WithLinearWarmup(4, 0.2).RateAt(0.1, 2), 15);
    }

    [Fact]
    public void Trainer_uses_the_scheduled_rate_of_each_step()
    {
        var network = new Network<double>(3, [new Dense(2)], seed: 4);
        var trainer = new Trainer<double>(network, Loss.MeanSquaredError, OptimizerSettings.Sgd(0.1), maxBatch: 4)
        {
            Schedule = LearningRateSchedule.StepDecay(1, gamma: 0.5),
        };
        double[,] x = TestData.Normal<double>(4, 3, seed: 5);
        double[,] targets = TestData.Normal<double>(4, 2, seed: 6);
        for (int step = 0; step < 3; step++)
        {
            Assert.Equal(0.1 * Math.Pow(0.5, step), trainer.LearningRate, 15);
            trainer.ComputeGradients(x, targets);
            double[] g = trainer.Gradients.ToArray(), before = network.Parameters.ToArray();
            trainer.ApplyGradients();
            double[] expected = before.Select((p, i) => p - 0.1 * Math.Pow(0.5, step) * g[i]).ToArray();
            HandCheckedNetworkTests.AssertClose(expected, network.Parameters.ToArray(), $"step {step} parameter", 1e-15);
        }
    }

    private sealed class SgdReference(double lr, double momentum, double dampening, double weightDecay, bool nesterov) : IReference
    {
        private double[]? _buffer;

        public void Update(double[] p, double[] g, int step)
        {
            _buffer ??= new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double grad = g[i] + weightDecay * p[i];
                if (momentum != 0)
                {
                    _buffer[i] = step == 1 ? grad : momentum * _buffer[i] + (1 - dampening) * grad;
                    grad = nesterov ? grad + momentum * _buffer[i] : _buffer[i];
                }
                p[i] -= lr * grad;
            }
        }
    }

    private sealed class AdamReference(double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled) : IReference
    {
        private double[]? _m, _v;

        public void Update(double[] p, double[] g, int step)
        {
            _m ??= new double[p.Length];
            _v ??= new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double grad = g[i];
                if (decoupled) p[i] *= 1 - lr * weightDecay;
                else grad += weightDecay * p[i];
                _m[i] = beta1 * _m[i] + (1 - beta1) * grad;
                _v[i] = beta2 * _v[i] + (1 - beta2) * grad * grad;
                double mHat = _m[i] / (1 - Math.Pow(beta1, step));
                double vHatSqrt = Math.Sqrt(_v[i]) / Math.Sqrt(1 - Math.Pow(beta2, step));
                p[i] -= lr * mHat / (vHatSqrt + eps);
            }
        }
    }

    private sealed class RmsPropReference(double lr, double alpha, double eps, double weightDecay, double momentum, bool centered) : IReference
    {
        private double[]? _square, _average, _buffer;

        public void Update(double[] p, double[] g, int step)
        {
            _square ??= new double[p.Length];
            _average ??= new double[p.Length];
            _buffer ??= new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double grad = g[i] + weightDecay * p[i];
                _square[i] = alpha * _square[i] + (1 - alpha) * grad * grad;
                double denominator;
                if (centered)
                {
                    _average[i] = alpha * _average[i] + (1 - alpha) * grad;
                    denominator = Math.Sqrt(_square[i] - _average[i] * _average[i]) + eps;
                }
                else
                {
                    denominator = Math.Sqrt(_square[i]) + eps;
                }
                if (momentum > 0)
                {
                    _buffer[i] = momentum * _buffer[i] + grad / denominator;
                    p[i] -= lr * _buffer[i];
                }
                else
                {
                    p[i] -= lr * grad / denominator;
                }
            }
        }
    }

    private sealed class AdagradReference(double lr, double lrDecay, double weightDecay, double initial, double eps) : IReference
    {
        private double[]? _sum;

        public void Update(double[] p, double[] g, int step)
        {
            _sum ??= Enumerable.Repeat(initial, p.Length).ToArray();
            double clr = lr / (1 + (step - 1) * lrDecay);
            for (int i = 0; i < p.Length; i++)
            {
                double grad = g[i] + weightDecay * p[i];
                _sum[i] += grad * grad;
                p[i] -= clr * grad / (Math.Sqrt(_sum[i]) + eps);
            }
        }
    }
}
