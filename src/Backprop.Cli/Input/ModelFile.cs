using Backprop.Simd.IO;

namespace Backprop.Cli.Input;

/// <summary>
/// The model files the commands read. The native format keeps any parameter bit-exactly, NaN included (a checkpoint is
/// a faithful copy); a model that is to predict, be evaluated or be converted must have finite parameters, or every
/// answer it gives is NaN or an arbitrary class.
/// </summary>
internal static class ModelFile
{
    /// <summary>Loads <paramref name="path"/> and refuses it if a parameter is NaN or infinite.</summary>
    /// <exception cref="ModelFormatException">The file is not a model, or a parameter is not finite.</exception>
    public static ModelDescription<float> LoadFinite(string path)
    {
        ModelDescription<float> model = NativeModelFormat.Load<float>(path);
        RequireFinite(model, path);
        return model;
    }

    /// <summary>Refuses <paramref name="model"/> if a parameter is NaN or infinite, naming the first and its layer.</summary>
    /// <exception cref="ModelFormatException">A parameter is not finite.</exception>
    public static void RequireFinite(ModelDescription<float> model, string path)
    {
        float[] parameters = model.Parameters;
        int first = -1;
        for (int i = 0; i < parameters.Length && first < 0; i++)
            if (!float.IsFinite(parameters[i])) first = i;
        if (first < 0) return;
        int layer = 0, end = 0, fanIn = model.InputSize;
        for (; layer < model.Layers.Count; layer++)
        {
            end += (fanIn + 1) * model.Layers[layer].Units;
            if (first < end) break;
            fanIn = model.Layers[layer].Units;
        }
        throw new ModelFormatException(path + ": parameter " + first + " (layer " + (layer + 1) + ") is "
            + parameters[first].ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "; a model with non-finite parameters cannot predict.");
    }
}
