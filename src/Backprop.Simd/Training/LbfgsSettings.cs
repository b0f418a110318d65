namespace Backprop.Simd.Training;

/// <summary>
/// The settings of <see cref="Lbfgs{T}"/>, with the names and defaults of <c>torch.optim.LBFGS</c> except that the
/// strong-Wolfe line search is on by default (PyTorch's <c>line_search_fn=None</c> takes fixed steps of
/// <see cref="LearningRate"/>, which rarely suits full-batch training).
/// </summary>
public sealed record LbfgsSettings
{
    /// <summary><c>lr</c>: the first trial step of each line search (the fixed step without one). Default 1.</summary>
    public double LearningRate { get; init; } = 1;

    /// <summary><c>max_iter</c>: iterations per <see cref="Lbfgs{T}.Step"/>. Default 20.</summary>
    public int MaxIterations { get; init; } = 20;

    /// <summary><c>max_eval</c>: loss-and-gradient evaluations per step; null means ⌊1.25 · max_iter⌋ as in PyTorch.</summary>
    public int? MaxEvaluations { get; init; }

    /// <summary><c>tolerance_grad</c>: stop when max |gradient| is at most this. Default 1e-7.</summary>
    public double ToleranceGrad { get; init; } = 1e-7;

    /// <summary><c>tolerance_change</c>: stop when the step or the change of loss is below this. Default 1e-9.</summary>
    public double ToleranceChange { get; init; } = 1e-9;

    /// <summary><c>history_size</c>: the m curvature pairs kept. Default 10.</summary>
    public int HistorySize { get; init; } = 10;

    /// <summary><c>line_search_fn='strong_wolfe'</c> when true (the default); fixed steps when false.</summary>
    public bool StrongWolfe { get; init; } = true;

    internal int EvaluationLimit => MaxEvaluations ?? MaxIterations * 5 / 4;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxIterations, nameof(MaxIterations));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EvaluationLimit, nameof(MaxEvaluations));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HistorySize, nameof(HistorySize));
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be > 0.");
    }
}

/// <summary>Why an <see cref="Lbfgs{T}.Step"/> returned.</summary>
public enum LbfgsStopReason
{
    /// <summary>It ran <see cref="LbfgsSettings.MaxIterations"/> iterations.</summary>
    MaxIterations,
    /// <summary>It used <see cref="LbfgsSettings.MaxEvaluations"/> evaluations.</summary>
    MaxEvaluations,
    /// <summary>max |gradient| ≤ <see cref="LbfgsSettings.ToleranceGrad"/>.</summary>
    GradientTolerance,
    /// <summary>The step max |t·d| was ≤ <see cref="LbfgsSettings.ToleranceChange"/>.</summary>
    StepTolerance,
    /// <summary>The loss changed by less than <see cref="LbfgsSettings.ToleranceChange"/>.</summary>
    LossTolerance,
    /// <summary>The search direction was no longer a descent direction (gᵀd &gt; −tolerance_change).</summary>
    NotDescending,
    /// <summary>The cancellation token was cancelled; the step returned after the iteration in progress.</summary>
    Cancelled,
}

/// <summary>The outcome of one <see cref="Lbfgs{T}.Step"/>.</summary>
/// <param name="InitialLoss">The loss before the step (what PyTorch's <c>step</c> returns).</param>
/// <param name="Loss">The loss at the parameters the step left.</param>
/// <param name="Iterations">Iterations taken.</param>
/// <param name="Evaluations">Loss-and-gradient evaluations used, the first included.</param>
/// <param name="StopReason">Why the step returned.</param>
public readonly record struct LbfgsStepResult(double InitialLoss, double Loss, int Iterations, int Evaluations, LbfgsStopReason StopReason);
