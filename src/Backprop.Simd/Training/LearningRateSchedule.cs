namespace Backprop.Simd.Training;

/// <summary>The shape of a <see cref="LearningRateSchedule"/>.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,
    /// <summary><c>torch.optim.lr_scheduler.StepLR</c>: γ₀·gamma^⌊t / step_size⌋.</summary>
    Step,
    /// <summary><c>CosineAnnealingLR</c>: η_min + (γ₀ − η_min)(1 + cos(π·t / T_max)) / 2.</summary>
    CosineAnnealing,
}

/// <summary>
/// A learning rate as a function of the optimizer step t = 0, 1, 2, … (the number of steps taken before this one),
/// using the closed forms of PyTorch's schedulers stepped once per optimizer step. An optional linear warm-up
/// (<c>LinearLR(start_factor, end_factor=1, total_iters)</c>) multiplies the rate, as PyTorch's
/// <c>ChainedScheduler</c> does: factor = start + (1 − start)·min(t, warmup) / warmup.
/// </summary>
public readonly record struct LearningRateSchedule
{
    /// <summary>The shape after (and under) the warm-up.</summary>
    public ScheduleKind Kind { get; init; }

    /// <summary>StepLR's <c>step_size</c>.</summary>
    public long StepSize { get; init; }

    /// <summary>StepLR's <c>gamma</c>.</summary>
    public double Gamma { get; init; }

    /// <summary>CosineAnnealingLR's <c>T_max</c>.</summary>
    public long MaxSteps { get; init; }

    /// <summary>CosineAnnealingLR's <c>eta_min</c>.</summary>
    public double MinimumRate { get; init; }

    /// <summary>LinearLR's <c>total_iters</c>; 0 means no warm-up.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>LinearLR's <c>start_factor</c>.</summary>
    public double WarmupStartFactor { get; init; }

    /// <summary>The base rate throughout (the default).</summary>
    public static LearningRateSchedule Constant => default;

    /// <summary>StepLR: multiply by <paramref name="gamma"/> every <paramref name="stepSize"/> steps.</summary>
    public static LearningRateSchedule StepDecay(long stepSize, double gamma = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        return new() { Kind = ScheduleKind.Step, StepSize = stepSize, Gamma = gamma };
    }

    /// <summary>CosineAnnealingLR from the base rate down to <paramref name="minimumRate"/> over <paramref name="maxSteps"/>.</summary>
    public static LearningRateSchedule CosineAnnealing(long maxSteps, double minimumRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        return new() { Kind = ScheduleKind.CosineAnnealing, MaxSteps = maxSteps, MinimumRate = minimumRate };
    }

    /// <summary>A linear warm-up over a constant rate (PyTorch's LinearLR defaults: start factor 1/3).</summary>
    public static LearningRateSchedule LinearWarmup(long steps, double startFactor = 1.0 / 3) =>
        Constant.WithLinearWarmup(steps, startFactor);

    /// <summary>This schedule multiplied by a linear warm-up from <paramref name="startFactor"/> to 1 over <paramref name="steps"/>.</summary>
    public LearningRateSchedule WithLinearWarmup(long steps, double startFactor = 1.0 / 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (startFactor is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "The start factor must be in (0, 1].");
        return this with { WarmupSteps = steps, WarmupStartFactor = startFactor };
    }

    /// <summary>The learning rate for step <paramref name="step"/> (0-based) given the base rate.</summary>
    public double RateAt(double baseRate, long step)
    {
        double rate = Kind switch
        {
            ScheduleKind.Step => baseRate * Math.Pow(Gamma, step / StepSize),
            ScheduleKind.CosineAnnealing =>
                MinimumRate + (baseRate - MinimumRate) * (1 + Math.Cos(Math.PI * step / MaxSteps)) / 2,
            _ => baseRate,
        };
        if (WarmupSteps > 0)
            rate *= WarmupStartFactor + (1 - WarmupStartFactor) * Math.Min(step, WarmupSteps) / WarmupSteps;
        return rate;
    }
}
