using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Simd.Hosting;

/// <summary><c>GET /metrics</c>: every served model's counts and the process's GC and memory figures in the Prometheus text format, for a scraper.</summary>
internal static class MetricsEndpoint
{
    public static Task Write(HttpContext context)
    {
        ModelRegistry registry = context.RequestServices.GetRequiredService<ModelRegistry>();
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var models = new List<ModelMetrics>(registry.Models.Count);
        foreach (ServedModel model in registry.Models) models.Add(model.Metrics);
        PrometheusExposition.Write(text, models);
        PrometheusExposition.WriteRuntime(text, RuntimeFigures.Read());
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = PrometheusExposition.ContentType;
        return context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }
}
