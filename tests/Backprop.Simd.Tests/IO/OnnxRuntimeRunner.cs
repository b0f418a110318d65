using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Backprop.Simd.Tests.IO;

/// <summary>Runs an ONNX model under ONNX Runtime (CPU), the independent judge of the files we write and read.</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>The model's single output for a batch of inputs [rows, features].</summary>
    public static float[,] Run(byte[] model, float[,] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        int rows = inputs.GetLength(0), features = inputs.GetLength(1);
        var input = new DenseTensor<float>(inputs.Cast<float>().ToArray(), [rows, features]);
        string inputName = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, input)]);
        var output = results.Single().AsTensor<float>();
        int width = output.Dimensions[1];
        var matrix = new float[rows, width];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++) matrix[r, c] = output[r, c];
        }
        return matrix;
    }
}
