using Backprop.Simd.Training;

namespace Backprop.Cli.Options;

/// <summary><c>--schedule constant|step|cosine</c>, with <c>--warmup</c> epochs of linear warm-up in front.</summary>
internal enum ScheduleChoice
{
    Constant,
    Step,
    Cosine,
}

internal static class ScheduleOption
{
    private static readonly Dictionary<string, ScheduleChoice> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["constant"] = ScheduleChoice.Constant,
        ["step"] = ScheduleChoice.Step,
        ["cosine"] = ScheduleChoice.Cosine,
    };

    public static Choice<ScheduleChoice> Create() => new("--schedule",
        "Learning-rate schedule: constant; step (×0.1 after each third of the epochs, PyTorch StepLR); cosine (to 0 over "
        + "the run, CosineAnnealingLR).", Names, "constant");

    /// <summary>The schedule over a run of <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> steps.</summary>
    public static LearningRateSchedule Create(ScheduleChoice choice, int epochs, int stepsPerEpoch, int warmupEpochs)
    {
        long totalSteps = (long)epochs * stepsPerEpoch;
        LearningRateSchedule schedule = choice switch
        {
            ScheduleChoice.Step => LearningRateSchedule.StepDecay(Math.Max(1, (long)Math.Ceiling(epochs / 3.0)) * stepsPerEpoch),
            ScheduleChoice.Cosine => LearningRateSchedule.CosineAnnealing(Math.Max(1, totalSteps)),
            _ => LearningRateSchedule.Constant,
        };
        return warmupEpochs > 0 ? schedule.WithLinearWarmup((long)warmupEpochs * stepsPerEpoch) : schedule;
    }
}
