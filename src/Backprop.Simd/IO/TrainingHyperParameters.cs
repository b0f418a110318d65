using System.Globalization;
using System.Numerics;
using Backprop.Simd.Model;
using Backprop.Simd.Training;

namespace Backprop.Simd.IO;

/// <summary>
/// Writes a trainer's configuration — every <see cref="OptimizerSettings"/> field, the loss's label smoothing, the
/// gradient-clipping norm, the learning-rate schedule and the class weights — as the named hyper-parameters of an
/// <see cref="OptimizerStateDescription{T}"/>, and reads it back exactly (doubles are stored as doubles, so nothing is
/// rounded). Names follow <c>torch.optim</c> where PyTorch has one.
/// </summary>
/// <remarks>
/// Every field is written for every optimizer, used or not, so settings round-trip whole. Booleans are 0 or 1, enums
/// their numeric value, step counts whole numbers up to 2⁵³. <c>max_grad_norm</c> is absent when clipping is off.
/// A file is untrusted: a missing name, a non-integral count or an out-of-range value raises
/// <see cref="ModelFormatException"/> naming the hyper-parameter.
/// </remarks>
public static class TrainingHyperParameters
{
    /// <summary>Names of the optimizer's settings (<see cref="OptimizerSettings"/>), in declaration order.</summary>
    public const string LearningRate = "lr", WeightDecay = "weight_decay", Momentum = "momentum", Dampening = "dampening",
        Nesterov = "nesterov", Beta1 = "beta1", Beta2 = "beta2", Epsilon = "eps", Alpha = "alpha", Centered = "centered",
        LearningRateDecay = "lr_decay", InitialAccumulatorValue = "initial_accumulator_value", EtaMinus = "eta_minus",
        EtaPlus = "eta_plus", MinStepSize = "step_size_min", MaxStepSize = "step_size_max";

    /// <summary>The loss iRprop⁺ compares against (<see cref="OptimizerState{T}.PreviousLoss"/>); it is optimizer state.</summary>
    public const string PreviousLoss = "previous_loss";

    /// <summary>The loss's <see cref="Loss.LabelSmoothing"/> and the trainer's <see cref="Trainer{T}.MaxGradientNorm"/>.</summary>
    public const string LabelSmoothing = "label_smoothing", MaxGradientNorm = "max_grad_norm";

    /// <summary>Names of the <see cref="LearningRateSchedule"/> fields.</summary>
    public const string ScheduleKind = "schedule.kind", ScheduleStepSize = "schedule.step_size",
        ScheduleGamma = "schedule.gamma", ScheduleMaxSteps = "schedule.t_max", ScheduleMinimumRate = "schedule.eta_min",
        ScheduleWarmupSteps = "schedule.warmup_steps", ScheduleWarmupStartFactor = "schedule.warmup_start_factor";

    /// <summary>
    /// Prefix of the trainer's <see cref="Trainer{T}.ClassWeights"/>: <c>class_weight.0</c>, <c>class_weight.1</c>, … one
    /// per class, all absent when the trainer has none.
    /// </summary>
    public const string ClassWeightPrefix = "class_weight.";

    // Whole numbers above this lose precision as doubles.
    private const double MaxExactInteger = 9007199254740992d;

    /// <summary>The configuration as named values.</summary>
    /// <param name="optimizer">The optimizer settings.</param>
    /// <param name="loss">The loss (only its label smoothing is written; the kind lives in the model).</param>
    /// <param name="schedule">The learning-rate schedule.</param>
    /// <param name="maxGradientNorm">The clipping norm, or null when clipping is off.</param>
    /// <exception cref="ArgumentException">A schedule step count is above 2⁵³ and would not survive as a double.</exception>
    public static Dictionary<string, double> Write(OptimizerSettings optimizer, Loss loss, LearningRateSchedule schedule,
        double? maxGradientNorm)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [LearningRate] = optimizer.LearningRate,
            [WeightDecay] = optimizer.WeightDecay,
            [Momentum] = optimizer.Momentum,
            [Dampening] = optimizer.Dampening,
            [Nesterov] = optimizer.Nesterov ? 1 : 0,
            [Beta1] = optimizer.Beta1,
            [Beta2] = optimizer.Beta2,
            [Epsilon] = optimizer.Epsilon,
            [Alpha] = optimizer.Alpha,
            [Centered] = optimizer.Centered ? 1 : 0,
            [LearningRateDecay] = optimizer.LearningRateDecay,
            [InitialAccumulatorValue] = optimizer.InitialAccumulatorValue,
            [EtaMinus] = optimizer.EtaMinus,
            [EtaPlus] = optimizer.EtaPlus,
            [MinStepSize] = optimizer.MinStepSize,
            [MaxStepSize] = optimizer.MaxStepSize,
            [LabelSmoothing] = loss.LabelSmoothing,
            [ScheduleKind] = (int)schedule.Kind,
            [ScheduleStepSize] = ExactCount(schedule.StepSize, ScheduleStepSize),
            [ScheduleGamma] = schedule.Gamma,
            [ScheduleMaxSteps] = ExactCount(schedule.MaxSteps, ScheduleMaxSteps),
            [ScheduleMinimumRate] = schedule.MinimumRate,
            [ScheduleWarmupSteps] = ExactCount(schedule.WarmupSteps, ScheduleWarmupSteps),
            [ScheduleWarmupStartFactor] = schedule.WarmupStartFactor,
        };
        if (maxGradientNorm is double norm) values[MaxGradientNorm] = norm;
        return values;
    }

    /// <summary>The optimizer settings of <paramref name="kind"/> stored under the names above.</summary>
    /// <exception cref="ModelFormatException">A value is missing, or a flag is neither 0 nor 1.</exception>
    public static OptimizerSettings ReadOptimizer(OptimizerKind kind, IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new OptimizerSettings
        {
            Kind = kind,
            LearningRate = Get(values, LearningRate),
            WeightDecay = Get(values, WeightDecay),
            Momentum = Get(values, Momentum),
            Dampening = Get(values, Dampening),
            Nesterov = GetFlag(values, Nesterov),
            Beta1 = Get(values, Beta1),
            Beta2 = Get(values, Beta2),
            Epsilon = Get(values, Epsilon),
            Alpha = Get(values, Alpha),
            Centered = GetFlag(values, Centered),
            LearningRateDecay = Get(values, LearningRateDecay),
            InitialAccumulatorValue = Get(values, InitialAccumulatorValue),
            EtaMinus = Get(values, EtaMinus),
            EtaPlus = Get(values, EtaPlus),
            MinStepSize = Get(values, MinStepSize),
            MaxStepSize = Get(values, MaxStepSize),
        };
    }

    /// <summary>The loss of <paramref name="kind"/> with the stored label smoothing.</summary>
    /// <exception cref="ModelFormatException">The label smoothing is missing or outside [0, 1].</exception>
    public static Loss ReadLoss(LossKind kind, IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double smoothing = Get(values, LabelSmoothing);
        if (smoothing is not (>= 0 and <= 1)) throw OutOfRange(LabelSmoothing, smoothing, "in [0, 1]");
        return new Loss(kind, smoothing);
    }

    /// <summary>The stored learning-rate schedule.</summary>
    /// <exception cref="ModelFormatException">A field is missing or outside the range its factory accepts.</exception>
    public static LearningRateSchedule ReadSchedule(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        long kind = GetCount(values, ScheduleKind);
        if (!Enum.IsDefined((ScheduleKind)kind)) throw OutOfRange(ScheduleKind, kind, "a ScheduleKind");
        var schedule = new LearningRateSchedule
        {
            Kind = (ScheduleKind)kind,
            StepSize = GetCount(values, ScheduleStepSize),
            Gamma = Get(values, ScheduleGamma),
            MaxSteps = GetCount(values, ScheduleMaxSteps),
            MinimumRate = Get(values, ScheduleMinimumRate),
            WarmupSteps = GetCount(values, ScheduleWarmupSteps),
            WarmupStartFactor = Get(values, ScheduleWarmupStartFactor),
        };
        // The rate formulas divide by these, so a hostile zero must not reach them.
        if (schedule.Kind == Training.ScheduleKind.Step && schedule.StepSize < 1)
            throw OutOfRange(ScheduleStepSize, schedule.StepSize, "at least 1 for a step schedule");
        if (schedule.Kind == Training.ScheduleKind.CosineAnnealing && schedule.MaxSteps < 1)
            throw OutOfRange(ScheduleMaxSteps, schedule.MaxSteps, "at least 1 for cosine annealing");
        if (schedule.WarmupSteps > 0 && schedule.WarmupStartFactor is not (> 0 and <= 1))
            throw OutOfRange(ScheduleWarmupStartFactor, schedule.WarmupStartFactor, "in (0, 1] with a warm-up");
        return schedule;
    }

    /// <summary>The stored clipping norm, or null when none was stored (clipping off).</summary>
    /// <exception cref="ModelFormatException">The norm is not a positive finite number.</exception>
    public static double? ReadMaxGradientNorm(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!values.TryGetValue(MaxGradientNorm, out double norm)) return null;
        if (!double.IsFinite(norm) || norm <= 0) throw OutOfRange(MaxGradientNorm, norm, "a positive finite number");
        return norm;
    }

    /// <summary>Adds <paramref name="weights"/> (none when empty) to <paramref name="values"/> under <see cref="ClassWeightPrefix"/>.</summary>
    /// <typeparam name="T">The trainer's element type; every value of it is exact as a double.</typeparam>
    public static void WriteClassWeights<T>(Dictionary<string, double> values, ReadOnlySpan<T> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        for (int i = 0; i < weights.Length; i++) values[ClassWeight(i)] = double.CreateTruncating(weights[i]);
    }

    /// <summary>The stored class weights: empty when none were stored, else exactly <paramref name="classes"/> of them.</summary>
    /// <exception cref="ModelFormatException">
    /// Some but not all classes have a weight, a name under the prefix is not a class index, or a weight is negative or not finite.
    /// </exception>
    public static double[] ReadClassWeights(IReadOnlyDictionary<string, double> values, int classes)
    {
        ArgumentNullException.ThrowIfNull(values);
        int stored = values.Keys.Count(name => name.StartsWith(ClassWeightPrefix, StringComparison.Ordinal));
        if (stored == 0) return [];
        if (stored != classes)
            throw new ModelFormatException("The optimizer state has " + stored + " class weights but the network has " + classes + " classes.");
        var weights = new double[classes];
        for (int i = 0; i < classes; i++)
        {
            // With exactly `classes` names under the prefix, all of 0..classes−1 present means nothing else is.
            double weight = Get(values, ClassWeight(i));
            // float trainers hold the weight in a float: 1e308 would become +∞ there.
            if (!double.IsFinite(weight) || weight < 0 || weight > float.MaxValue)
                throw OutOfRange(ClassWeight(i), weight, "a finite number ≥ 0 and at most " + float.MaxValue.ToString(CultureInfo.InvariantCulture));
            weights[i] = weight;
        }
        return weights;
    }

    private static string ClassWeight(int index) => ClassWeightPrefix + index.ToString(CultureInfo.InvariantCulture);

    private static double ExactCount(long count, string name)
    {
        if (count < 0 || count > MaxExactInteger)
            throw new ArgumentException("Hyper-parameter '" + name + "' is " + count + "; a file stores 0 to 2^53.", name);
        return count;
    }

    private static double Get(IReadOnlyDictionary<string, double> values, string name) =>
        values.TryGetValue(name, out double value)
            ? value
            : throw new ModelFormatException("The optimizer state has no hyper-parameter '" + name + "'.");

    private static bool GetFlag(IReadOnlyDictionary<string, double> values, string name) => Get(values, name) switch
    {
        0 => false,
        1 => true,
        var other => throw OutOfRange(name, other, "0 or 1"),
    };

    private static long GetCount(IReadOnlyDictionary<string, double> values, string name)
    {
        double value = Get(values, name);
        if (value is not (>= 0 and <= MaxExactInteger) || value != Math.Floor(value))
            throw OutOfRange(name, value, "a whole number from 0 to 2^53");
        return (long)value;
    }

    private static ModelFormatException OutOfRange(string name, double value, string range) =>
        new("Hyper-parameter '" + name + "' is " + value.ToString("R", CultureInfo.InvariantCulture) + " but must be " + range + ".");
}
