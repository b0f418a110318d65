using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Training;

/// <summary>
/// The outcome of a <see cref="GradientChecker"/> run: the worst relative error between backpropagation and central
/// finite differences over every parameter and every input, and where each was found.
/// </summary>
/// <param name="WorstRelativeError">max over parameters of |a − n| / max(|a|, |n|, floor).</param>
/// <param name="Parameter">The flat index of that parameter.</param>
/// <param name="Layer">Its layer.</param>
/// <param name="IsBias">True for a bias, false for a weight.</param>
/// <param name="Row">Its row in W (the input index), or 0 for a bias.</param>
/// <param name="Column">Its column in W or index in b (the unit).</param>
/// <param name="Analytic">The backpropagated derivative there.</param>
/// <param name="Numeric">The finite-difference derivative there.</param>
/// <param name="WorstInputRelativeError">The same measure over the inputs (∂L/∂X).</param>
/// <param name="InputRow">The batch row of the worst input.</param>
/// <param name="InputColumn">The feature of the worst input.</param>
public readonly record struct GradientCheckResult(double WorstRelativeError, int Parameter, int Layer, bool IsBias,
    int Row, int Column, double Analytic, double Numeric, double WorstInputRelativeError, int InputRow, int InputColumn)
{
    /// <summary>A one-line description naming the worst parameter.</summary>
    public override string ToString() =>
        "worst relative error " + WorstRelativeError.ToString("E3", System.Globalization.CultureInfo.InvariantCulture)
        + " at layer " + Layer + (IsBias ? " bias[" + Column + "]" : " W[" + Row + ", " + Column + "]")
        + " (analytic " + Analytic.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        + ", numeric " + Numeric.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        + "); worst input relative error "
        + WorstInputRelativeError.ToString("E3", System.Globalization.CultureInfo.InvariantCulture)
        + " at [" + InputRow + ", " + InputColumn + "]";
}

/// <summary>
/// Checks backpropagation against central finite differences, (L(θ + h) − L(θ − h)) / 2h, for every parameter and
/// every input of a double-precision network. A diagnostic tool: it allocates and takes two forward passes per
/// parameter. Relative errors use max(|a|, |n|, <c>floor</c>) as denominator so that derivatives near zero are judged
/// by their absolute error instead.
/// </summary>
public static class GradientChecker
{
    /// <summary>Checks a network trained with class labels (cross-entropy).</summary>
    /// <remarks>inputs: [b, inputs]  labels: [b].</remarks>
    public static GradientCheckResult Check(Network<double> network, Loss loss, ReadOnlySpan2D<double> inputs,
        ReadOnlySpan<int> labels, double step = 1e-5, double floor = 1e-4) =>
        CheckCore(network, loss, inputs, labels.ToArray(), null, step, floor);

    /// <summary>Checks a network trained against a target matrix (MSE, BCE).</summary>
    /// <remarks>inputs: [b, inputs]  targets: [b, outputs].</remarks>
    public static GradientCheckResult Check(Network<double> network, Loss loss, ReadOnlySpan2D<double> inputs,
        ReadOnlySpan2D<double> targets, double step = 1e-5, double floor = 1e-4) =>
        CheckCore(network, loss, inputs, null, targets.ToArray(), step, floor);

    private static GradientCheckResult CheckCore(Network<double> network, Loss loss, ReadOnlySpan2D<double> inputs,
        int[]? labels, double[,]? targets, double step, double floor)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        var trainer = new Trainer<double>(network, loss, OptimizerSettings.Sgd(0), inputs.Height) { ComputeInputGradient = true };
        double[,] x = inputs.ToArray();
        double EvaluateLoss() => labels is null ? trainer.ComputeLoss(x, targets) : trainer.ComputeLoss(x, labels);

        if (labels is null) trainer.ComputeGradients(x, targets);
        else trainer.ComputeGradients(x, labels);
        double[] parameterGradient = trainer.Gradients.ToArray();
        double[,] inputGradient = trainer.InputGradient.ToArray();

        Span<double> parameters = network.Parameters;
        (double worst, int worstIndex, double analytic, double numeric) = (-1, 0, 0, 0);
        for (int i = 0; i < parameters.Length; i++)
        {
            double n = CentralDifference(ref parameters[i], step, EvaluateLoss);
            double error = RelativeError(parameterGradient[i], n, floor);
            if (error > worst) (worst, worstIndex, analytic, numeric) = (error, i, parameterGradient[i], n);
        }

        (double worstInput, int inputRow, int inputColumn) = (0, 0, 0);
        for (int r = 0; r < x.GetLength(0); r++)
        {
            for (int c = 0; c < x.GetLength(1); c++)
            {
                double error = RelativeError(inputGradient[r, c], CentralDifference(ref x[r, c], step, EvaluateLoss), floor);
                if (error > worstInput) (worstInput, inputRow, inputColumn) = (error, r, c);
            }
        }

        DenseLayer layer = FindLayer(network, worstIndex);
        int local = worstIndex - layer.WeightOffset;
        bool isBias = local >= layer.WeightCount;
        return new GradientCheckResult(worst, worstIndex, layer.Index, isBias, isBias ? 0 : local / layer.Units,
            isBias ? local - layer.WeightCount : local % layer.Units, analytic, numeric, worstInput, inputRow, inputColumn);
    }

    private static double CentralDifference(ref double value, double step, Func<double> loss)
    {
        double saved = value;
        value = saved + step;
        double plus = loss();
        value = saved - step;
        double minus = loss();
        value = saved;
        return (plus - minus) / (2 * step);
    }

    private static double RelativeError(double analytic, double numeric, double floor) =>
        Math.Abs(analytic - numeric) / Math.Max(floor, Math.Max(Math.Abs(analytic), Math.Abs(numeric)));

    private static DenseLayer FindLayer(Network<double> network, int parameterIndex)
    {
        foreach (DenseLayer layer in network.Layers)
        {
            if (parameterIndex < layer.WeightOffset + layer.ParameterCount) return layer;
        }
        return network.Layers[^1];
    }
}
