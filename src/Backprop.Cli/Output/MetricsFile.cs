using System.Text.Json;
using Backprop.Simd.Training;

namespace Backprop.Cli.Output;

/// <summary>
/// Writes <c>--metrics FILE.jsonl</c>: one JSON object per line and per epoch, flushed as each epoch ends so that a
/// running job can be followed with <c>tail -f</c>. Field names are snake_case, as Python tooling expects.
/// </summary>
internal sealed class MetricsFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly MemoryStream _line = new();

    public MetricsFile(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
    }

    /// <summary>Appends one epoch; <paramref name="heldOut"/> names what test_* measured (<c>test</c> or <c>validation</c>).</summary>
    /// <param name="metrics">The epoch's figures.</param>
    /// <param name="heldOut">What test_* measured.</param>
    /// <param name="diverging">The loss grew by orders of magnitude over the epoch (the <c>diverging</c> field).</param>
    public void Write(EpochMetrics metrics, string heldOut, bool diverging = false)
    {
        _line.SetLength(0);
        using (var writer = new Utf8JsonWriter(_line))
        {
            writer.WriteStartObject();
            writer.WriteNumber("epoch", metrics.Epoch);
            WriteNumber(writer, "train_loss", metrics.TrainLoss);
            WriteNumber(writer, "train_accuracy", metrics.TrainAccuracy);
            WriteNumber(writer, "test_loss", metrics.ValidationLoss);
            WriteNumber(writer, "test_accuracy", metrics.ValidationAccuracy);
            writer.WriteString("test_set", heldOut);
            writer.WriteNumber("epoch_seconds", metrics.EpochSeconds);
            writer.WriteNumber("samples_per_second", metrics.SamplesPerSecond);
            writer.WriteNumber("allocated_bytes", metrics.AllocatedBytes);
            writer.WriteNumber("gen0_collections", metrics.Gen0Collections);
            writer.WriteNumber("steps", metrics.Steps);
            writer.WriteNumber("skipped_steps", metrics.SkippedSteps);
            writer.WriteBoolean("diverging", diverging);
            WriteNumber(writer, "learning_rate", metrics.LearningRate);
            WriteArray(writer, "weight_gradient_norms", metrics.WeightGradientNorms);
            WriteArray(writer, "error_norms", metrics.ErrorNorms);
            writer.WriteEndObject();
        }
        _line.WriteByte((byte)'\n');
        _stream.Write(_line.GetBuffer(), 0, (int)_line.Length);
        _stream.Flush();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _line.Dispose();
    }

    // JSON has no NaN: a metric that was not measured (no held-out set) is written as null.
    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<double> values)
    {
        writer.WriteStartArray(name);
        foreach (double value in values)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
        writer.WriteEndArray();
    }
}
