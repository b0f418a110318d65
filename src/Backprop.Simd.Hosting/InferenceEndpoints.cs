using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Backprop.Simd.IO;
using CommunityToolkit.HighPerformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backprop.Simd.Hosting;

/// <summary>
/// The request handlers of the Open Inference Protocol v2 REST endpoints. They are plain <see cref="RequestDelegate"/>s
/// that write their JSON themselves, so nothing goes through reflection-based binding or serialization.
/// </summary>
internal static class InferenceEndpoints
{
    private const string JsonContentType = "application/json";

    // The protocol answers health and readiness by status code alone, with an empty body.
    public static Task Live(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    public static Task Ready(HttpContext context) => Live(context);

    public static Task ModelReady(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        return model is null ? UnknownModel(context, name) : Live(context);
    }

    public static Task Metadata(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        if (model is null) return UnknownModel(context, name);
        context.Response.ContentType = JsonContentType;
        ProtocolJson.WriteMetadata(context.Response.BodyWriter, model);
        return Task.CompletedTask;
    }

    public static async Task Infer(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        if (model is null)
        {
            await UnknownModel(context, name).ConfigureAwait(false);
            return;
        }
        long started = Stopwatch.GetTimestamp();
        InferOutcome outcome = InferOutcome.ServerError; // what an exception escaping to the host is answered with
        byte[]? body = null;
        InferRequest? request = null;
        float[]? outputs = null;
        try
        {
            (body, int length) = await RequestBody.ReadAsync(context, model.Options.MaxRequestBodyBytes, context.RequestAborted)
                .ConfigureAwait(false);
            request = Parse(model, body, length);
            outputs = ArrayPool<float>.Shared.Rent(request.Rows * model.OutputSize);
            await model.PredictAsync(request, outputs).ConfigureAwait(false);
            WriteAnswer(context, model, request, outputs);
            outcome = InferOutcome.Ok;
        }
        catch (InferRequestException refused)
        {
            outcome = InferOutcomes.FromStatus(refused.StatusCode);
            await Refuse(context, name, refused.StatusCode, refused.Message).ConfigureAwait(false);
        }
        catch (JsonException malformed)
        {
            outcome = InferOutcome.BadRequest;
            await Refuse(context, name, StatusCodes.Status400BadRequest, "malformed JSON: " + malformed.Message).ConfigureAwait(false);
        }
        finally
        {
            if (outputs is not null) ArrayPool<float>.Shared.Return(outputs);
            request?.Dispose();
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
            model.Metrics.RecordRequest(outcome, Stopwatch.GetTimestamp() - started);
        }
    }

    // POST /v2/repository/models/{name}/load: re-reads the model's file (the body, if any, is not used).
    public static Task Load(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        if (model is null) return UnknownModel(context, name);
        ILogger logger = Logger(context);
        try
        {
            long generation = model.Reload();
            HostingLog.ModelReloaded(logger, name, model.Path, generation);
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or ModelFormatException or ArgumentException)
        {
            HostingLog.ReloadFailed(logger, name, model.Path, failure.Message);
            return Refuse(context, name, StatusCodes.Status400BadRequest,
                "reloading " + model.Path + " failed, the previous model still serves: " + failure.Message);
        }
    }

    private static InferRequest Parse(ServedModel model, byte[] body, int length)
    {
        InferRequest request = InferRequestParser.Parse(body.AsSpan(0, length), model.InputSize, model.Options.MaxRowsPerRequest);
        if (model.Scaling is { } scaling) request.Scale(scaling);
        return request;
    }

    private static void WriteAnswer(HttpContext context, ServedModel model, InferRequest request, float[] buffer)
    {
        int width = model.OutputSize;
        // Finite inputs can still overflow FP32 on the way through the layers; JSON has no Infinity to answer with.
        if (!AllFinite(buffer.AsSpan(0, request.Rows * width)))
            throw InferRequestException.BadRequest("the model's outputs overflow FP32 for these inputs; scale the inputs as in training");
        context.Response.ContentType = JsonContentType;
        ProtocolJson.WriteInferResponse(context.Response.BodyWriter, model, request.Id, new ReadOnlySpan2D<float>(buffer, 0, request.Rows, width, 0));
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values) if (!float.IsFinite(value)) return false;
        return true;
    }

    private static ServedModel? Find(HttpContext context, out string name)
    {
        name = context.Request.RouteValues["name"] as string ?? "";
        return context.RequestServices.GetRequiredService<ModelRegistry>().Find(name);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InferenceEndpoints));

    private static Task UnknownModel(HttpContext context, string name) =>
        Refuse(context, name, StatusCodes.Status404NotFound, "unknown model \"" + name + "\"");

    private static Task Refuse(HttpContext context, string name, int status, string message)
    {
        HostingLog.RequestRefused(Logger(context), name, status, message);
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        ProtocolJson.WriteError(context.Response.BodyWriter, message);
        return Task.CompletedTask;
    }
}
