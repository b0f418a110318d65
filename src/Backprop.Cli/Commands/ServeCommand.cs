using System.CommandLine;
using Backprop.Cli.Options;
using Backprop.Simd.IO;
using Backprop.Simd.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Backprop.Cli.Commands;

/// <summary>
/// <c>backprop serve --model FILE [--name N] [--urls URL;…] [--max-rows N] [--max-batch N] [--max-delay-us µs] [--floor] [--watch]</c>: serves the model over the Open Inference
/// Protocol v2 REST endpoints until Ctrl+C or SIGTERM, which stop accepting and let requests in flight complete.
/// </summary>
internal static class ServeCommand
{
    public const string DefaultUrls = "http://127.0.0.1:8000";

    public static Command Create(ToolConsole console)
    {
        Option<string> model = ModelOptions.Model();
        var name = new Option<string?>("--name")
        {
            Description = "The model's name in the endpoints' paths (/v2/models/NAME); default the file name without its extension.",
        };
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen, separated by ';' (loopback only by default; http://0.0.0.0:8000 listens on every interface).",
            DefaultValueFactory = _ => DefaultUrls,
        };
        var maxRows = new Option<int>("--max-rows")
        {
            Description = "The most rows one infer request may hold; more is refused with 400.",
            DefaultValueFactory = _ => new BackpropServingOptions().MaxRowsPerRequest,
        }.AtLeast(1);
        var maxBatch = new Option<int>("--max-batch")
        {
            Description = "Dynamic batching: the most rows one batch of concurrent requests holds (1 to 65536).",
            DefaultValueFactory = _ => new BackpropServingOptions().MaxBatchRows,
        }.AtLeast(1);
        maxBatch.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out int rows) && rows > 65_536)
                result.AddError("--max-batch " + rows + " is more than 65536.");
        });
        var maxDelay = new Option<int>("--max-delay-us")
        {
            Description = "Dynamic batching: how long (microseconds, at most 1000000) a request waits for others to join its batch; "
                + "0 turns batching off.",
            DefaultValueFactory = _ => 0,
        };
        maxDelay.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out int delay) && delay is < 0 or > 1_000_000)
                result.AddError("--max-delay-us must be 0 to 1000000; got " + delay + ".");
        });
        var floor = new Option<bool>("--floor")
        {
            Description = "Also answer POST /v2/models/NAME/floor: the same body read and parsed, a same-sized answer, no prediction "
                + "(a benchmarking aid: what HTTP and parsing cost on this machine).",
        };
        var watch = new Option<bool>("--watch")
        {
            Description = "Reload the model when its file changes, as POST /v2/repository/models/NAME/load does; a file that fails to load "
                + "is logged and the old model keeps serving.",
        };
        var command = new Command("serve", "Serve a model over HTTP with the Open Inference Protocol v2 (KServe v2 / Triton REST).")
        {
            model, name, urls, maxRows, maxBatch, maxDelay, floor, watch,
        };
        command.SetAction(parsed => Run(console, parsed.GetValue(model)!, parsed.GetValue(name), parsed.GetValue(urls)!, parsed.GetValue(maxRows),
            parsed.GetValue(maxBatch), parsed.GetValue(maxDelay), parsed.GetValue(floor), parsed.GetValue(watch), parsed.GetValue(BackpropTool.Verbose)));
        return command;
    }

    /// <summary>The configured server, not yet started: the command runs it, tests start it on a free port.</summary>
    /// <exception cref="UsageException">A URL is not an absolute http or https address.</exception>
    /// <exception cref="ModelFormatException">The model file is not a model or has a non-finite parameter.</exception>
    public static WebApplication Build(string modelPath, string? name, string urls, int maxRows, bool verbose, int maxBatch = 64,
        int maxDelayMicroseconds = 0, bool floor = false, bool watch = false)
    {
        string[] addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0) throw new UsageException("--urls needs at least one address, e.g. " + DefaultUrls + ".");
        foreach (string address in addresses)
            if (!Uri.TryCreate(address, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new UsageException("--urls: \"" + address + "\" is not an http:// or https:// address, e.g. " + DefaultUrls + ".");

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(addresses);
        // The command prints its own start-up line; the host's informational lines would only repeat it.
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        // With any level of this category on, the host opens a log scope and starts an Activity for every request (five
        // objects, ~600 B, alive while the request waits for its batch). Its lines are each request's start and end
        // (Information) and start-up failures, which StartAsync throws to the command anyway; a request's errors are Kestrel's.
        if (!verbose) builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddBackpropModel(name ?? Path.GetFileNameWithoutExtension(modelPath), modelPath, options =>
        {
            options.MaxRowsPerRequest = maxRows;
            options.MaxBatchRows = maxBatch;
            options.MaxQueueDelayMicroseconds = maxDelayMicroseconds;
            options.EnableFloorEndpoint = floor;
            options.WatchFile = watch;
            // The scaling saved by train --standardize is applied to served inputs as predict applies it.
            options.InputScaling = description => ModelMetadata.From(description.Metadata, description.InputSize).Standardization;
        });
        WebApplication app = builder.Build();
        app.MapBackpropInference();
        return app;
    }

    /// <summary>The addresses a started server listens on, with the ports a ":0" address was given.</summary>
    public static ICollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    private static int Run(ToolConsole console, string modelPath, string? name, string urls, int maxRows, int maxBatch,
        int maxDelayMicroseconds, bool floor, bool watch, bool verbose)
    {
        using WebApplication app = Build(modelPath, name, urls, maxRows, verbose, maxBatch, maxDelayMicroseconds, floor, watch);
        app.StartAsync().GetAwaiter().GetResult();
        console.Output.WriteLine("backprop: serving " + (name ?? Path.GetFileNameWithoutExtension(modelPath)) + " at "
            + string.Join(", ", Addresses(app)) + " (Open Inference Protocol v2; "
            + (maxDelayMicroseconds > 0 ? "batching up to " + maxBatch + " rows within " + maxDelayMicroseconds + " µs" : "batching off")
            + (floor ? "; floor endpoint on" : "") + (watch ? "; reloading on file changes" : "") + "; Ctrl+C to stop)");
        // The host's console lifetime turns Ctrl+C and SIGTERM into a graceful stop: Kestrel finishes requests in flight.
        app.WaitForShutdownAsync().GetAwaiter().GetResult();
        return ExitCode.Success;
    }
}
