namespace Backprop.Simd.Training;

/// <summary>
/// An optimizer and its hyper-parameters, with the names, defaults and meanings of <c>torch.optim</c>. Create one with
/// <see cref="Sgd"/>, <see cref="Adam"/>, <see cref="AdamW"/>, <see cref="RmsProp"/>, <see cref="Adagrad"/>,
/// <see cref="Rprop"/> or <see cref="IRpropPlus"/>; each
/// factory's defaults are PyTorch's. Fields an optimizer does not use are ignored. The formulas, per element with
/// gradient g, parameter p and step t = 1, 2, …:
/// <list type="bullet">
/// <item>SGD: g ← g + λp; with momentum μ: b ← g at t = 1, else b ← μb + (1 − dampening)g; g ← g + μb (Nesterov) or
/// g ← b; p ← p − γg.</item>
/// <item>Adam: g ← g + λp; m ← m + (1 − β₁)(g − m); v ← β₂v + (1 − β₂)g²;
/// p ← p − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).</item>
/// <item>AdamW: p ← p(1 − γλ) first, then Adam without the λp term.</item>
/// <item>RMSprop: g ← g + λp; s ← αs + (1 − α)g²; centred: a ← a + (1 − α)(g − a), d = √(s − a²) + ε, else
/// d = √s + ε; with momentum μ: b ← μb + g/d, p ← p − γb; else p ← p − γg/d.</item>
/// <item>Adagrad: g ← g + λp; S ← S + g²; p ← p − (γ / (1 + (t − 1)·lr_decay)) · g / (√S + ε).</item>
/// <item>Rprop (iRprop⁻, torch's): Δ starts at γ; with s = sign(g·g_prev): Δ ← clamp(Δ·η₊ if s &gt; 0, Δ·η₋ if
/// s &lt; 0, Δ if 0; Δ_min, Δ_max); where s &lt; 0, g ← 0; p ← p − sign(g)·Δ; g_prev ← g. The learning rate only sets
/// the first Δ (schedules do not apply).</item>
/// <item>iRprop⁺: the same, except that where s &lt; 0 and the loss rose since the previous step the last change of p
/// is undone (p ← p − Δp_prev) instead of leaving p still.</item>
/// </list>
/// </summary>
public readonly record struct OptimizerSettings
{
    /// <summary>Which optimizer.</summary>
    public OptimizerKind Kind { get; init; }

    /// <summary>γ, <c>lr</c>: the base learning rate (a schedule scales it per step).</summary>
    public double LearningRate { get; init; }

    /// <summary>λ, <c>weight_decay</c>: an L2 term λp added to the gradient (AdamW: the decoupled decay p(1 − γλ)).</summary>
    public double WeightDecay { get; init; }

    /// <summary>μ, <c>momentum</c> of SGD and RMSprop.</summary>
    public double Momentum { get; init; }

    /// <summary>SGD's <c>dampening</c>.</summary>
    public double Dampening { get; init; }

    /// <summary>SGD's <c>nesterov</c>.</summary>
    public bool Nesterov { get; init; }

    /// <summary>β₁ of Adam and AdamW.</summary>
    public double Beta1 { get; init; }

    /// <summary>β₂ of Adam and AdamW.</summary>
    public double Beta2 { get; init; }

    /// <summary>ε, <c>eps</c>: added to the denominator, outside the square root.</summary>
    public double Epsilon { get; init; }

    /// <summary>α, RMSprop's smoothing constant <c>alpha</c>.</summary>
    public double Alpha { get; init; }

    /// <summary>RMSprop's <c>centered</c>.</summary>
    public bool Centered { get; init; }

    /// <summary>Adagrad's <c>lr_decay</c>.</summary>
    public double LearningRateDecay { get; init; }

    /// <summary>Adagrad's <c>initial_accumulator_value</c>.</summary>
    public double InitialAccumulatorValue { get; init; }

    /// <summary>η₋, RPROP's step-size decrease factor (<c>etas[0]</c>).</summary>
    public double EtaMinus { get; init; }

    /// <summary>η₊, RPROP's step-size increase factor (<c>etas[1]</c>).</summary>
    public double EtaPlus { get; init; }

    /// <summary>Δ_min, RPROP's smallest step size (<c>step_sizes[0]</c>).</summary>
    public double MinStepSize { get; init; }

    /// <summary>Δ_max, RPROP's largest step size (<c>step_sizes[1]</c>).</summary>
    public double MaxStepSize { get; init; }

    /// <summary><c>torch.optim.SGD</c> (defaults: lr 1e-3, momentum 0, dampening 0, weight_decay 0, nesterov off).</summary>
    public static OptimizerSettings Sgd(double learningRate = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false) => new()
        {
            Kind = OptimizerKind.Sgd, LearningRate = learningRate, Momentum = momentum, Dampening = dampening,
            WeightDecay = weightDecay, Nesterov = nesterov,
        };

    /// <summary><c>torch.optim.Adam</c> (defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0).</summary>
    public static OptimizerSettings Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0) => new()
        {
            Kind = OptimizerKind.Adam, LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon,
            WeightDecay = weightDecay,
        };

    /// <summary><c>torch.optim.AdamW</c> (defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2).</summary>
    public static OptimizerSettings AdamW(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 1e-2) =>
        Adam(learningRate, beta1, beta2, epsilon, weightDecay) with { Kind = OptimizerKind.AdamW };

    /// <summary>
    /// <c>torch.optim.RMSprop</c> (defaults: lr 1e-2, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered off).
    /// </summary>
    public static OptimizerSettings RmsProp(double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false) => new()
        {
            Kind = OptimizerKind.RmsProp, LearningRate = learningRate, Alpha = alpha, Epsilon = epsilon,
            WeightDecay = weightDecay, Momentum = momentum, Centered = centered,
        };

    /// <summary>
    /// <c>torch.optim.Adagrad</c> (defaults: lr 1e-2, lr_decay 0, weight_decay 0, initial_accumulator_value 0,
    /// eps 1e-10).
    /// </summary>
    public static OptimizerSettings Adagrad(double learningRate = 1e-2, double learningRateDecay = 0,
        double weightDecay = 0, double initialAccumulatorValue = 0, double epsilon = 1e-10) => new()
        {
            Kind = OptimizerKind.Adagrad, LearningRate = learningRate, LearningRateDecay = learningRateDecay,
            WeightDecay = weightDecay, InitialAccumulatorValue = initialAccumulatorValue, Epsilon = epsilon,
        };

    /// <summary>
    /// <c>torch.optim.Rprop</c>, i.e. iRprop⁻ (defaults: lr 1e-2 = the initial step size, etas (0.5, 1.2), step_sizes
    /// (1e-6, 50)). Meant for full-batch gradients (<see cref="Trainer{T}.ComputeDatasetGradients(CommunityToolkit.HighPerformance.ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T})"/>).
    /// </summary>
    public static OptimizerSettings Rprop(double learningRate = 1e-2, double etaMinus = 0.5, double etaPlus = 1.2,
        double minStepSize = 1e-6, double maxStepSize = 50) => new()
        {
            Kind = OptimizerKind.Rprop, LearningRate = learningRate, EtaMinus = etaMinus, EtaPlus = etaPlus,
            MinStepSize = minStepSize, MaxStepSize = maxStepSize,
        };

    /// <summary>iRprop⁺ with <see cref="Rprop"/>'s defaults; the trainer supplies the loss it compares.</summary>
    public static OptimizerSettings IRpropPlus(double learningRate = 1e-2, double etaMinus = 0.5, double etaPlus = 1.2,
        double minStepSize = 1e-6, double maxStepSize = 50) =>
        Rprop(learningRate, etaMinus, etaPlus, minStepSize, maxStepSize) with { Kind = OptimizerKind.IRpropPlus };

    /// <summary>
    /// Rejects the values <c>torch.optim</c> rejects, and every value that cannot train: NaN and infinity anywhere, a
    /// momentum, dampening or RMSprop alpha outside [0, 1] (alpha 2 makes the running square negative).
    /// </summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of its range; the message names it and the range.</exception>
    public void Validate()
    {
        Require(LearningRate >= 0 && double.IsFinite(LearningRate), "learning rate", LearningRate, "finite and >= 0");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), "weight decay", WeightDecay, "finite and >= 0");
        Require(Momentum is >= 0 and <= 1, "momentum", Momentum, "in [0, 1]");
        Require(Dampening is >= 0 and <= 1, "dampening", Dampening, "in [0, 1]");
        switch (Kind)
        {
            case OptimizerKind.Sgd:
                Require(!Nesterov || (Momentum > 0 && Dampening == 0), "Nesterov momentum", Momentum,
                    "> 0 with zero dampening");
                break;
            case OptimizerKind.Adam or OptimizerKind.AdamW:
                Require(Beta1 is >= 0 and < 1, "beta1", Beta1, "in [0, 1)");
                Require(Beta2 is >= 0 and < 1, "beta2", Beta2, "in [0, 1)");
                RequireEpsilon();
                break;
            case OptimizerKind.RmsProp:
                Require(Alpha is >= 0 and <= 1, "alpha", Alpha, "in [0, 1]");
                RequireEpsilon();
                break;
            case OptimizerKind.Adagrad:
                Require(LearningRateDecay >= 0 && double.IsFinite(LearningRateDecay), "learning-rate decay", LearningRateDecay,
                    "finite and >= 0");
                Require(InitialAccumulatorValue >= 0 && double.IsFinite(InitialAccumulatorValue), "initial accumulator value",
                    InitialAccumulatorValue, "finite and >= 0");
                RequireEpsilon();
                break;
            case OptimizerKind.Rprop or OptimizerKind.IRpropPlus:
                Require(EtaMinus is > 0 and < 1, "eta minus", EtaMinus, "in (0, 1)");
                Require(EtaPlus > 1 && double.IsFinite(EtaPlus), "eta plus", EtaPlus, "finite and > 1");
                Require(double.IsFinite(MaxStepSize), "max step size", MaxStepSize, "finite");
                Require(MinStepSize >= 0 && MinStepSize <= MaxStepSize, "min step size", MinStepSize, "in [0, max step size]");
                break;
            default:
                throw new ArgumentException("Unknown optimizer " + Kind + ".", nameof(Kind));
        }
    }

    private void RequireEpsilon() =>
        Require(Epsilon >= 0 && double.IsFinite(Epsilon), "epsilon", Epsilon, "finite and >= 0");

    private void Require(bool condition, string what, double value, string range)
    {
        if (!condition)
            throw new ArgumentException(Kind + ": " + what + " is " + value + " but must be " + range + ".", what);
    }
}
