using System.Text.Json;

namespace Backprop.Simd.Tests.IO;

/// <summary>The PyTorch-made ONNX files of IO/Fixtures (see make_onnx_fixture.py) and PyTorch's outputs on their inputs.</summary>
internal static class OnnxFixtures
{
    public const string Sequential = "sequential_mlp", Activations = "activations_mlp";

    public static string OnnxPath(string name) => Path.Combine(AppContext.BaseDirectory, "IO", "Fixtures", name + ".onnx");

    /// <summary>The fixed inputs [rows, 64] and PyTorch's outputs [rows, 10], as the floats PyTorch used.</summary>
    public static (float[,] Inputs, float[,] Outputs) Expected(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "IO", "Fixtures", name + ".expected.json")));
        return (Matrix(document.RootElement.GetProperty("inputs")), Matrix(document.RootElement.GetProperty("outputs")));
    }

    private static float[,] Matrix(JsonElement rows)
    {
        int count = rows.GetArrayLength(), width = rows[0].GetArrayLength();
        var matrix = new float[count, width];
        for (int r = 0; r < count; r++)
        {
            for (int c = 0; c < width; c++) matrix[r, c] = (float)rows[r][c].GetDouble();
        }
        return matrix;
    }
}
