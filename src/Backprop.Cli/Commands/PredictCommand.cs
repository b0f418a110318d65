using System.CommandLine;
using System.Globalization;
using System.Text;
using Backprop.Cli.Input;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.Inference;
using Backprop.Simd.Threading;
using Backprop.Simd.IO;
using Backprop.Simd.Kernels;
using Backprop.Simd.Model;
using CommunityToolkit.HighPerformance;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop predict --model FILE --input CSV|IDX [--output FILE]</c>: one CSV line per input row with the predicted
/// class and the class probabilities (softmax for cross-entropy, sigmoid for BCE, raw outputs for MSE).
/// </summary>
internal static class PredictCommand
{
    private const int ChunkRows = 256;

    public static Command Create(ToolConsole console)
    {
        Option<string> model = ModelOptions.Model();
        var input = new Option<string>("--input")
        {
            Description = "Rows to classify: a CSV file of features (a header and one extra label column are allowed) "
                + "or an IDX image file, raw or gzipped.",
            Required = true,
        };
        var output = new Option<string?>("--output") { Description = "Write the predictions here instead of to standard output." };
        var labelColumn = new Option<string?>("--label-column")
        {
            Description = "For a CSV with one column more than the model's inputs: the label column to drop (index or header "
                + "name; default last).",
        };
        Choice<WeightFormat> weightFormat = WeightFormatOption.Create();
        Option<int> threads = ThreadsOption.Create("Threads that share each chunk of rows.");
        var command = new Command("predict", "Predict the class and class probabilities of each input row.")
        {
            model, input, output, labelColumn, weightFormat.Option, threads,
        };
        command.SetAction(parsed => Run(console, parsed.GetValue(model)!, parsed.GetValue(input)!, parsed.GetValue(output),
            parsed.GetValue(labelColumn), weightFormat.Get(parsed), parsed.GetValue(threads)));
        return command;
    }

    private static int Run(ToolConsole console, string modelPath, string inputPath, string? outputPath, string? labelColumn,
        WeightFormat weightFormat, int threads)
    {
        if (outputPath is not null) OutputPath.Prepare(outputPath, "--output");
        ModelDescription<float> description = ModelFile.LoadFinite(modelPath);
        ModelMetadata metadata = ModelMetadata.From(description.Metadata, description.InputSize);
        FeatureFile.Features features = FeatureFile.Read(inputPath, description.InputSize, labelColumn);
        if (features.Columns != description.InputSize)
            throw new Simd.Data.DataFormatException(inputPath, "rows have " + features.Columns + " features but the model takes "
                + description.InputSize + ".");
        if (metadata.Standardization is { } scaling)
            for (int row = 0; row < features.Rows; row++)
                scaling.ApplyInPlace(features.Values.AsSpan(row * features.Columns, features.Columns));

        InferenceSession<float> session = FrozenModel<float>.From(description, weightFormat).CreateSession(ChunkRows);
        using WorkerPool? pool = threads > 1 ? new WorkerPool(threads) : null;
        session.Pool = pool;
        int outputs = session.OutputSize;
        var scores = new float[ChunkRows * outputs];
        var classes = new int[ChunkRows];

        using TextWriter writer = outputPath is null ? TextWriter.Null : new StreamWriter(outputPath, false, new UTF8Encoding(false));
        TextWriter target = outputPath is null ? console.Output : writer;
        WriteHeader(target, description.Loss, outputs, metadata.ClassNames);
        var line = new StringBuilder();
        var all = new ReadOnlySpan2D<float>(features.Values, features.Rows, features.Columns);
        for (int first = 0; first < features.Rows; first += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, features.Rows - first);
            var chunk = new Span2D<float>(scores, rows, outputs);
            session.Predict(all.Slice(first, 0, rows, features.Columns), chunk);
            Normalize(description.Loss, chunk);
            Reductions.ArgMaxRows<float>(chunk, classes.AsSpan(0, rows));
            for (int row = 0; row < rows; row++)
            {
                line.Clear().Append((first + row).ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(ClassName(metadata.ClassNames, classes[row]));
                foreach (float score in chunk.GetRowSpan(row)) line.Append(',').Append(score.ToString("G6", CultureInfo.InvariantCulture));
                target.WriteLine(line);
            }
        }
        if (outputPath is not null)
            console.Output.WriteLine("wrote " + features.Rows + " predictions to " + outputPath);
        return ExitCode.Success;
    }

    private static void WriteHeader(TextWriter target, LossKind loss, int outputs, IReadOnlyList<string>? classNames)
    {
        var header = new StringBuilder("row,class");
        string prefix = loss == LossKind.MeanSquaredError ? "output_" : "p_";
        for (int i = 0; i < outputs; i++) header.Append(',').Append(prefix).Append(Csv(ClassName(classNames, i)));
        target.WriteLine(header);
    }

    private static void Normalize(LossKind loss, Span2D<float> scores)
    {
        if (loss == LossKind.SoftmaxCrossEntropy) LossKernels.Softmax<float>(scores, scores);
        else if (loss == LossKind.BinaryCrossEntropyWithLogits && scores.TryGetSpan(out Span<float> flat)) // a chunk is contiguous
            ActivationKernels.Forward<float>(flat, Activation.Sigmoid, flat);
    }

    private static string ClassName(IReadOnlyList<string>? names, int index) =>
        names is not null && index < names.Count ? Csv(names[index]) : index.ToString(CultureInfo.InvariantCulture);

    private static string Csv(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n\r") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
