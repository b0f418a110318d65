using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Simd.Tests.Cli;

public class CliBenchTests
{
    // A few seconds with the fast products, much longer with the scalar reference, so outside the default run.
    [Fact]
    [Trait("Category", "Slow")]
    public void Bench_json_reports_the_w1_products_a_training_step_and_prediction_latency()
    {
        CliRun run = CliRun.Of("bench", "--json").Expect(ExitCode.Success);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement report = document.RootElement;
        Assert.Equal(8, report.GetProperty("products").GetArrayLength());
        foreach (JsonElement product in report.GetProperty("products").EnumerateArray())
            Assert.True(product.GetProperty("gflops").GetDouble() > 0, product.ToString());
        string[] twoThreads = Environment.ProcessorCount >= 2
            ? ["training_step_adam_two_threads", "predict_batch_1_two_threads", "predict_batch_1_bfloat16_two_threads", "predict_batch_128_two_threads"]
            : [];
        foreach (string timing in (string[])["training_step_adam", "predict_batch_1", "predict_batch_1_bfloat16", "predict_batch_128",
            "predict_batch_1024", .. twoThreads])
        {
            JsonElement element = report.GetProperty(timing);
            Assert.True(element.GetProperty("p50_seconds").GetDouble() > 0);
            Assert.True(element.GetProperty("p99_seconds").GetDouble() >= element.GetProperty("p50_seconds").GetDouble());
        }
        Assert.Equal(0, report.GetProperty("training_step_adam").GetProperty("allocated_bytes").GetInt64());
        foreach (string timing in twoThreads) Assert.Equal(0, report.GetProperty(timing).GetProperty("allocated_bytes").GetInt64());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Bench_with_a_soak_measures_prediction_and_the_training_step_again_after_it()
    {
        CliRun run = CliRun.Of("bench", "--json", "--soak", "1").Expect(ExitCode.Success);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        foreach (string timing in (string[])["predict_batch_1_late", "predict_batch_1_bfloat16_late", "predict_batch_128_late", "predict_batch_1024_late",
            "training_step_adam_late"])
        {
            JsonElement element = document.RootElement.GetProperty(timing);
            Assert.True(element.GetProperty("p50_seconds").GetDouble() > 0);
            Assert.Equal(0, element.GetProperty("allocated_bytes").GetInt64());
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("3601")]
    public void A_soak_out_of_range_is_bad_usage(string seconds) =>
        CliRun.Of("bench", "--soak", seconds).Expect(ExitCode.Usage);
}
