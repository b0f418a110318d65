using System.Globalization;
using System.Text.Json;
using Backprop.Simd.Data;

namespace Backprop.Cli;

/// <summary>
/// What the tool records in a model file's metadata beyond the weights, so that <c>eval</c> and <c>predict</c> see the
/// inputs and classes as training did: the class names, the feature standardisation (if any) and the data's name; in a
/// checkpoint written in the middle of an epoch, also how many of that epoch's steps were trained.
/// </summary>
internal sealed record ModelMetadata(IReadOnlyList<string>? ClassNames, Standardization? Standardization, string? Data,
    int StepsIntoEpoch = 0)
{
    public const string ClassesKey = "backprop.classes";
    public const string MeanKey = "backprop.standardization.mean";
    public const string StandardDeviationKey = "backprop.standardization.std";
    public const string DataKey = "backprop.data";
    public const string StepsIntoEpochKey = "backprop.steps_into_epoch";

    public Dictionary<string, string> ToDictionary()
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ClassNames is not null) entries[ClassesKey] = JsonSerializer.Serialize(ClassNames);
        if (Standardization is not null)
        {
            entries[MeanKey] = JsonSerializer.Serialize(Standardization.Mean.ToArray());
            entries[StandardDeviationKey] = JsonSerializer.Serialize(Standardization.StandardDeviation.ToArray());
        }
        if (Data is not null) entries[DataKey] = Data;
        if (StepsIntoEpoch > 0) entries[StepsIntoEpochKey] = StepsIntoEpoch.ToString(CultureInfo.InvariantCulture);
        return entries;
    }

    /// <summary>Reads the entries back; entries another writer left out stay null.</summary>
    /// <exception cref="Simd.IO.ModelFormatException">An entry is present but malformed.</exception>
    public static ModelMetadata From(IReadOnlyDictionary<string, string> entries, int inputSize)
    {
        string[]? classes = entries.TryGetValue(ClassesKey, out string? json) ? Parse<string[]>(ClassesKey, json) : null;
        Standardization? standardization = null;
        if (entries.TryGetValue(MeanKey, out string? mean) && entries.TryGetValue(StandardDeviationKey, out string? deviation))
        {
            float[] means = Parse<float[]>(MeanKey, mean), deviations = Parse<float[]>(StandardDeviationKey, deviation);
            if (means.Length != inputSize || deviations.Length != inputSize)
                throw new Simd.IO.ModelFormatException("The standardisation in the metadata has " + means.Length + " means and "
                    + deviations.Length + " deviations for a model of " + inputSize + " inputs.");
            standardization = new Standardization(means, deviations);
        }
        int steps = 0;
        if (entries.TryGetValue(StepsIntoEpochKey, out string? stepsText)
            && !(int.TryParse(stepsText, NumberStyles.None, CultureInfo.InvariantCulture, out steps) && steps > 0))
            throw new Simd.IO.ModelFormatException("Metadata entry '" + StepsIntoEpochKey + "' is not a positive integer.");
        return new ModelMetadata(classes, standardization, entries.GetValueOrDefault(DataKey), steps);
    }

    private static T Parse<T>(string key, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json)
                ?? throw new Simd.IO.ModelFormatException("Metadata entry '" + key + "' is null.");
        }
        catch (JsonException e)
        {
            throw new Simd.IO.ModelFormatException("Metadata entry '" + key + "' is not valid: " + e.Message, e);
        }
    }
}
