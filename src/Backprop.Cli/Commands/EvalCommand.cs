using System.CommandLine;
using System.Globalization;
using System.Text;
using Backprop.Cli.Input;
using Backprop.Cli.Options;
using Backprop.Cli.Output;
using Backprop.Simd.Data;
using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.Threading;
using Backprop.Simd.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop eval --model FILE --data D</c>: loss and accuracy on the held-out set (the data's test set, or the same
/// seeded validation split <c>train</c> used), per-class precision, recall and F1, and the confusion matrix.
/// </summary>
internal static class EvalCommand
{
    private const int MaxBatch = 256;

    public static Command Create(ToolConsole console)
    {
        Option<string> model = ModelOptions.Model();
        var data = new DataOptions();
        var validationSplit = new Option<double>("--validation-split")
        {
            Description = "For data without a test set: the validation share train held out (default 0.2).",
            DefaultValueFactory = _ => 0.2,
        }.Between(0, 1);
        var seed = new Option<ulong>("--seed")
        {
            Description = "For data without a test set: the seed train split with (default 42).",
            DefaultValueFactory = _ => 42UL,
        };
        Choice<WeightFormat> weightFormat = WeightFormatOption.Create();
        Option<int> threads = ThreadsOption.Create("Threads that share each chunk of rows.");
        var command = new Command("eval",
            "Evaluate a model on the test set (or train's validation split): loss, accuracy, precision/recall, confusion matrix.")
        {
            model, validationSplit, seed, weightFormat.Option, threads,
        };
        data.AddTo(command);
        command.SetAction(parsed => Run(console, parsed.GetValue(model)!, data, parsed, parsed.GetValue(validationSplit),
            parsed.GetValue(seed), weightFormat.Get(parsed), parsed.GetValue(threads)));
        return command;
    }

    private static int Run(ToolConsole console, string modelPath, DataOptions dataOptions, ParseResult parsed,
        double validationSplit, ulong seed, WeightFormat weightFormat, int threads)
    {
        // Loading the data is most of an evaluation's time (decompressing images, parsing CSV); the bar says which stage runs.
        var stages = new StageProgress(console.Interactive ? new ProgressBar(console.Output, console.Columns) : null, "eval", 4);
        PreparedData data;
        EvaluationResult result;
        ConfusionMatrix matrix;
        try
        {
            using WorkerPool? pool = threads > 1 ? new WorkerPool(threads) : null;
            (data, result, matrix) = Score(stages, modelPath, dataOptions, parsed, validationSplit, seed, weightFormat, pool);
        }
        finally
        {
            stages.Clear();
        }
        IReadOnlyList<string> names = data.HeldOut.ClassNames;
        TextWriter output = console.Output;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{data.HeldOutName} set of {data.Train.Name}: {result.Count} samples, loss {result.Loss:F4}, accuracy {result.Accuracy:F4}"));
        output.WriteLine();
        WritePerClass(output, matrix, names);
        output.WriteLine();
        WriteConfusionMatrix(output, matrix, names);
        return ExitCode.Success;
    }

    private static (PreparedData, EvaluationResult, ConfusionMatrix) Score(StageProgress stages, string modelPath,
        DataOptions dataOptions, ParseResult parsed, double validationSplit, ulong seed, WeightFormat weightFormat, WorkerPool? pool)
    {
        stages.Start("loading " + modelPath);
        ModelDescription<float> description = ModelFile.LoadFinite(modelPath);
        ModelMetadata metadata = ModelMetadata.From(description.Metadata, description.InputSize);
        stages.Finish();
        stages.Start("loading the data");
        PreparedData data = PreparedData.Load(dataOptions, parsed, validationSplit, seed, limit: null,
            metadata.Standardization, standardize: false);
        data.RequireFits(description.InputSize, description.OutputSize, modelPath);
        RequireSameClasses(metadata.ClassNames, data.HeldOut.ClassNames, modelPath);
        stages.Finish();

        // The predictions predict and a service return: the frozen model, with the weight format asked for.
        stages.Start("scoring " + data.HeldOut.SampleCount.ToString("N0", CultureInfo.InvariantCulture) + " samples");
        InferenceSession<float> session = FrozenModel<float>.From(description, weightFormat).CreateSession(MaxBatch);
        session.Pool = pool;
        EvaluationResult result = Evaluation.Evaluate(session, new Loss(description.Loss), TrainingData.For(data.HeldOut, description.Loss));
        // A NaN loss has no accuracy worth reporting: the model or the data holds values it cannot compute with.
        if (!double.IsFinite(result.Loss))
            throw new DataFormatException(modelPath + ": the loss on the " + data.HeldOutName + " set of " + data.Train.Name
                + " is " + result.Loss.ToString(CultureInfo.InvariantCulture) + "; the model cannot be evaluated on this data.");
        stages.Finish();
        stages.Start("confusion matrix");
        ConfusionMatrix matrix = Evaluation.ConfusionMatrix(session, data.HeldOut.Features, data.HeldOut.Labels);
        stages.Finish();
        return (data, result, matrix);
    }

    // Scoring a model trained on a, b, c against data labelled x, y, z would pair unrelated classes by position.
    private static void RequireSameClasses(IReadOnlyList<string>? model, IReadOnlyList<string> data, string modelPath)
    {
        if (model is null) return;
        var unknown = new List<string>();
        for (int c = 0; c < data.Count; c++)
            if (c >= model.Count || model[c] != data[c]) unknown.Add(data[c]);
        if (unknown.Count == 0) return;
        throw new DataFormatException(modelPath + ": the data's classes " + string.Join(", ", unknown.Take(10))
            + (unknown.Count > 10 ? ", …" : "") + " are not the model's (" + string.Join(", ", model.Take(10))
            + (model.Count > 10 ? ", …" : "") + ", in this order).");
    }

    private static void WritePerClass(TextWriter output, ConfusionMatrix matrix, IReadOnlyList<string> names)
    {
        int width = Math.Max(5, names.Max(name => name.Length));
        output.WriteLine("class".PadRight(width) + "  precision  recall     f1  support");
        for (int c = 0; c < matrix.ClassCount; c++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{names[c].PadRight(width)}  {Ratio(matrix.Precision(c)),9}  {Ratio(matrix.Recall(c)),6}  {Ratio(matrix.F1(c)),5}  {matrix.Support(c),7}"));
        }
    }

    // A class never predicted has no precision; show it as such rather than as NaN.
    private static string Ratio(double value) =>
        double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static void WriteConfusionMatrix(TextWriter output, ConfusionMatrix matrix, IReadOnlyList<string> names)
    {
        int cell = Math.Max(5, matrix.Total.ToString(CultureInfo.InvariantCulture).Length + 1);
        int label = Math.Max(6, names.Max(name => name.Length));
        output.WriteLine("confusion matrix (rows: actual, columns: predicted)");
        var line = new StringBuilder(new string(' ', label));
        for (int c = 0; c < matrix.ClassCount; c++) line.Append(Shorten(names[c], cell - 1).PadLeft(cell));
        output.WriteLine(line);
        for (int actual = 0; actual < matrix.ClassCount; actual++)
        {
            line.Clear().Append(names[actual].PadRight(label));
            for (int predicted = 0; predicted < matrix.ClassCount; predicted++)
                line.Append(matrix[actual, predicted].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            output.WriteLine(line);
        }
    }

    private static string Shorten(string name, int width) => name.Length <= width ? name : name[..width];
}
