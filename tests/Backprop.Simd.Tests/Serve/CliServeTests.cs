using Backprop.Cli;
using Backprop.Simd.Tests.Cli;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Serve;

/// <summary><c>backprop serve</c>'s refusals, made before anything listens: one line and a usage or failure exit code.</summary>
public class CliServeTests
{
    [Theory]
    [InlineData("ftp://127.0.0.1:8000")]
    [InlineData("127.0.0.1:8000")]
    [InlineData(";")]
    public void A_listen_address_that_is_not_http_is_a_usage_error(string urls)
    {
        using var folder = new TempFolder();
        CliRun.Of("serve", "--model", ServeModelFile.Save(folder), "--urls", urls).Expect(ExitCode.Usage).ExpectOneLineError("--urls");
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_one_line()
    {
        using var folder = new TempFolder();
        string path = folder.WriteText("not-a-model.bpm", "hello");
        CliRun.Of("serve", "--model", path).Expect(ExitCode.Failure).ExpectOneLineError("Not a Backprop.Simd model file");
    }

    [Fact]
    public void A_model_name_that_does_not_fit_in_a_url_is_a_usage_error()
    {
        using var folder = new TempFolder();
        CliRun.Of("serve", "--model", ServeModelFile.Save(folder), "--name", "a/b", "--urls", "http://127.0.0.1:0")
            .Expect(ExitCode.Usage).ExpectOneLineError("a/b");
    }

    [Fact]
    public void Max_rows_must_be_positive() =>
        CliRun.Of("serve", "--model", "m.bpm", "--max-rows", "0").Expect(ExitCode.Usage);
}
