using System.CommandLine;
using Backprop.Cli.Input;
using Backprop.Cli.Options;
using Backprop.Simd.Data;
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
/// <c>backprop serve --model FILE [--name N] [--urls URL;…] [--max-rows N]</c>: serves the model over the Open Inference
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
        var command = new Command("serve", "Serve a model over HTTP with the Open Inference Protocol v2 (KServe v2 / Triton REST).")
        {
            model, name, urls, maxRows,
        };
        command.SetAction(parsed => Run(console, parsed.GetValue(model)!, parsed.GetValue(name), parsed.GetValue(urls)!,
            parsed.GetValue(maxRows), parsed.GetValue(BackpropTool.Verbose)));
        return command;
    }

    /// <summary>The configured server, not yet started: the command runs it, tests start it on a free port.</summary>
    /// <exception cref="UsageException">A URL is not an absolute http or https address.</exception>
    /// <exception cref="ModelFormatException">The model file is not a model or has a non-finite parameter.</exception>
    public static WebApplication Build(string modelPath, string? name, string urls, int maxRows, bool verbose)
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
        // The scaling saved by train --standardize is applied to served inputs as predict applies it.
        ModelDescription<float> description = ModelFile.LoadFinite(modelPath);
        Standardization? scaling = ModelMetadata.From(description.Metadata, description.InputSize).Standardization;
        builder.Services.AddBackpropModel(name ?? Path.GetFileNameWithoutExtension(modelPath), modelPath, options =>
        {
            options.MaxRowsPerRequest = maxRows;
            options.InputScaling = scaling;
        });
        WebApplication app = builder.Build();
        app.MapBackpropInference();
        return app;
    }

    /// <summary>The addresses a started server listens on, with the ports a ":0" address was given.</summary>
    public static ICollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    private static int Run(ToolConsole console, string modelPath, string? name, string urls, int maxRows, bool verbose)
    {
        using WebApplication app = Build(modelPath, name, urls, maxRows, verbose);
        app.StartAsync().GetAwaiter().GetResult();
        console.Output.WriteLine("backprop: serving " + (name ?? Path.GetFileNameWithoutExtension(modelPath)) + " at "
            + string.Join(", ", Addresses(app)) + " (Open Inference Protocol v2; Ctrl+C to stop)");
        // The host's console lifetime turns Ctrl+C and SIGTERM into a graceful stop: Kestrel finishes requests in flight.
        app.WaitForShutdownAsync().GetAwaiter().GetResult();
        return ExitCode.Success;
    }
}
