using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Backprop.Simd.Tests.Cli;
using Backprop.Simd.Tests.Data;

namespace Backprop.Simd.Tests.Serve;

/// <summary><c>backprop serve</c> as a child process: SIGTERM while a request is uploading lets that request complete.</summary>
[Trait("Category", "Slow")]
public partial class ServeShutdownTests
{
    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"at (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Address();

    [SkippableFact]
    public async Task SIGTERM_during_a_request_lets_it_finish_then_exits_0()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "sends a POSIX signal");
        using var folder = new TempFolder();
        string path = ServeModelFile.Save(folder);
        using var child = ToolProcess.StartTool("serve", "--model", path, "--urls", "http://127.0.0.1:0");
        try
        {
            Task<string?> firstLine = child.StandardOutput.ReadLineAsync();
            Assert.True(firstLine.Wait(TimeSpan.FromSeconds(60)), "no start-up line");
            Match address = Address().Match(firstLine.Result ?? "");
            Assert.True(address.Success, "start-up line: " + firstLine.Result);

            var row = string.Join(',', Enumerable.Repeat("0.5", ServeModelFile.Inputs));
            byte[] body = Encoding.UTF8.GetBytes("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[" + row + "]}]}");
            var halfSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var client = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value), Timeout = TimeSpan.FromSeconds(60) };
            Task<HttpResponseMessage> inFlight = client.PostAsync("/v2/models/digits/infer", new SplitContent(body, halfSent, signalled.Task));

            await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(300); // the server has the headers and is reading the body
            Assert.True(Kill(child.Id, SigTerm) == 0, "kill failed: " + Marshal.GetLastPInvokeError());
            await Task.Delay(500); // shutdown has begun while the body is still arriving
            signalled.SetResult();

            HttpResponseMessage response = await inFlight;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("\"shape\":[1,10]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(child.WaitForExit(30_000), "serve did not stop after SIGTERM");
            Assert.Equal(0, child.ExitCode);
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
    }

    // Sends the first half of the body, then waits for the test's signal before sending the rest.
    private sealed class SplitContent(byte[] body, TaskCompletionSource halfSent, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            int half = body.Length / 2;
            await stream.WriteAsync(body.AsMemory(0, half));
            await stream.FlushAsync();
            halfSent.SetResult();
            await resume;
            await stream.WriteAsync(body.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
