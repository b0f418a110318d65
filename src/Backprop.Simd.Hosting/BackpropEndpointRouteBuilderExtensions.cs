using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Backprop.Simd.Hosting;

/// <summary>Maps the Open Inference Protocol v2 (KServe v2, as Triton serves it) REST endpoints for the registered models.</summary>
public static class BackpropEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET /v2/health/live</c>, <c>GET /v2/health/ready</c>, <c>GET /v2/models/{name}</c> (metadata),
    /// <c>GET /v2/models/{name}/ready</c>, <c>POST /v2/models/{name}/infer</c> (JSON, or the binary tensor extension:
    /// raw FP32 after a JSON header of <c>Inference-Header-Content-Length</c> bytes, either way in and out),
    /// <c>POST /v2/models/{name}/floor</c> for the models that turn on <see cref="BackpropServingOptions.EnableFloorEndpoint"/>,
    /// and <c>POST /v2/repository/models/{name}/load</c> (also run when the file changes, for the models that turn on
    /// <see cref="BackpropServingOptions.WatchFile"/>)
    /// (re-reads the model's file; requests in flight finish on the old model, and a file that fails to load leaves the
    /// old one serving and answers 400 with the reason) for the models registered with
    /// <see cref="BackpropServiceCollectionExtensions.AddBackpropModel"/>. A client's mistake is answered with 400, 404
    /// or 413 and <c>{"error": "..."}</c> naming it. Also maps <c>GET /metrics</c>: each model's infer requests (by
    /// outcome), rows predicted, request latency and rows per prediction pass in the Prometheus text format (0.0.4); the
    /// same figures go to the <see cref="System.Diagnostics.Metrics.Meter"/> named <c>Backprop.Simd.Hosting</c>, for
    /// OpenTelemetry. Requests naming an unknown model are not counted, so a client cannot add label values.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <returns>The group of mapped <c>/v2</c> endpoints, to add conventions (authorization, rate limits) to; <c>/metrics</c> is not in it.</returns>
    /// <exception cref="InvalidOperationException">No model was registered with <c>AddBackpropModel</c>.</exception>
    public static RouteGroupBuilder MapBackpropInference(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ModelRegistry registry = endpoints.ServiceProvider.GetService<ModelRegistry>()
            ?? throw new InvalidOperationException("No model to serve: call services.AddBackpropModel(name, path) first.");
        ILoggerFactory loggers = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>();
        ILogger logger = loggers.CreateLogger(typeof(BackpropEndpointRouteBuilderExtensions));
        foreach (ServedModel model in registry.Models) HostingLog.ModelServed(logger, model.Name, model.InputSize, model.OutputSize, model.Path);
        var watchers = new List<ModelFileWatcher>();
        foreach (ServedModel model in registry.Models)
            if (model.Options.WatchFile) watchers.Add(new ModelFileWatcher(model, logger));
        // After Kestrel has drained the requests in flight, the watchers and then the batchers' threads stop.
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() =>
        {
            foreach (ModelFileWatcher watcher in watchers) watcher.Dispose();
            foreach (ServedModel model in registry.Models) model.Dispose();
            registry.Metrics.Dispose();
        });

        var handlers = new InferenceEndpoints(registry, loggers);
        RouteGroupBuilder v2 = endpoints.MapGroup("/v2");
        v2.MapGet("/health/live", InferenceEndpoints.Live);
        v2.MapGet("/health/ready", InferenceEndpoints.Ready);
        v2.MapGet("/models/{name}", handlers.Metadata);
        v2.MapGet("/models/{name}/ready", handlers.ModelReady);
        v2.MapPost("/models/{name}/infer", handlers.Infer);
        v2.MapPost("/repository/models/{name}/load", handlers.Load);
        if (registry.Models.Any(model => model.Options.EnableFloorEndpoint)) v2.MapPost("/models/{name}/floor", handlers.Floor);
        endpoints.MapGet("/metrics", MetricsEndpoint.Write);
        return v2;
    }
}
