using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CommunityToolkit.HighPerformance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Backprop.Simd.Hosting;

/// <summary>
/// The request handlers of the Open Inference Protocol v2 REST endpoints. They are plain <see cref="RequestDelegate"/>s
/// that write their JSON themselves, so nothing goes through reflection-based binding or serialization. The registry and
/// the logger are held here rather than read from <see cref="HttpContext.RequestServices"/>, which would open a
/// dependency-injection scope (four objects) for every request.
/// </summary>
internal sealed class InferenceEndpoints(ModelRegistry registry, ILoggerFactory loggers)
{
    private const string JsonContentType = "application/json";

    private readonly ILogger _logger = loggers.CreateLogger(typeof(InferenceEndpoints));

    // The protocol answers health and readiness by status code alone, with an empty body.
    public static Task Live(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    public static Task Ready(HttpContext context) => Live(context);

    public Task ModelReady(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        return model is null ? UnknownModel(context, name) : Live(context);
    }

    public Task Metadata(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        if (model is null) return UnknownModel(context, name);
        context.Response.ContentType = JsonContentType;
        ProtocolJson.WriteMetadata(context.Response.BodyWriter, model);
        return Task.CompletedTask;
    }

    // POST /v2/models/{name}/infer
    public Task Infer(HttpContext context) => Answer(context, predict: true);

    // POST /v2/models/{name}/floor: the same reading, parsing and writing as infer, without the prediction.
    public Task Floor(HttpContext context) => Answer(context, predict: false);

    private async Task Answer(HttpContext context, bool predict)
    {
        ServedModel? model = Find(context, out string name);
        if (model is null)
        {
            await UnknownModel(context, name).ConfigureAwait(false);
            return;
        }
        if (!predict && !model.Options.EnableFloorEndpoint)
        {
            await Refuse(context, name, StatusCodes.Status404NotFound, "the floor endpoint is off for model \"" + name + "\"").ConfigureAwait(false);
            return;
        }
        long started = Stopwatch.GetTimestamp();
        InferOutcome outcome = InferOutcome.ServerError; // what an exception escaping to the host is answered with
        byte[]? body = null;
        InferRequest? request = null;
        float[]? outputs = null;
        // A request the batcher knows is coming is one a pass may wait for; it stops counting as it queues.
        DynamicBatcher? announcedTo = predict ? model.Batcher : null;
        announcedTo?.Announce();
        try
        {
            long? headerLength = HeaderLength(context);
            (body, int length) = await RequestBody.ReadAsync(context, model.Options.MaxRequestBodyBytes, context.RequestAborted)
                .ConfigureAwait(false);
            request = Parse(model, body, length, headerLength);
            outputs = RequestBuffers<float>.Rent(request.Rows * model.OutputSize);
            bool announced = announcedTo is not null;
            announcedTo = null; // from here the batcher ends the announcement, once the request is queued
            // The connection is the client: its next request follows this answer, which a batcher may wait for.
            if (predict) await model.PredictAsync(request, outputs, announced, context.Connection.Id.GetHashCode()).ConfigureAwait(false);
            else FillFloor(request, outputs.AsSpan(0, request.Rows * model.OutputSize));
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
            announcedTo?.Withdraw();
            if (outputs is not null) RequestBuffers<float>.Return(outputs);
            request?.Dispose();
            if (body is not null) RequestBuffers<byte>.Return(body);
            // The floor is a benchmarking aid: counting it would mix its requests into the model's figures.
            if (predict) model.Metrics.RecordRequest(outcome, Stopwatch.GetTimestamp() - started);
        }
    }

    // The floor's answer: the input's first values, as many as the outputs hold, then zeros.
    private static void FillFloor(InferRequest request, Span<float> outputs)
    {
        ReadOnlySpan2D<float> inputs = request.Inputs;
        int width = outputs.Length / request.Rows;
        for (int row = 0; row < request.Rows; row++)
        {
            Span<float> target = outputs.Slice(row * width, width);
            ReadOnlySpan<float> source = inputs.GetRowSpan(row);
            int copied = Math.Min(width, source.Length);
            source[..copied].CopyTo(target);
            target[copied..].Clear();
        }
    }

    // The binary tensor extension's header: how many of the body's bytes are the JSON header; null when absent.
    private static long? HeaderLength(HttpContext context)
    {
        StringValues values = context.Request.Headers[ProtocolJson.HeaderLengthHeader];
        if (values.Count == 0) return null;
        if (values.Count > 1 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out long length))
            throw InferRequestException.BadRequest(ProtocolJson.HeaderLengthHeader + " must be one non-negative integer (the JSON header's length in bytes)");
        return length;
    }

    // POST /v2/repository/models/{name}/load: re-reads the model's file (the body, if any, is not used).
    public Task Load(HttpContext context)
    {
        ServedModel? model = Find(context, out string name);
        if (model is null) return UnknownModel(context, name);
        string? failure = model.TryReload(_logger);
        if (failure is not null)
            return Refuse(context, name, StatusCodes.Status400BadRequest, "reloading " + model.Path + " failed, the previous model still serves: " + failure);
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    private static InferRequest Parse(ServedModel model, byte[] body, int length, long? headerLength)
    {
        InferRequest request = InferRequestParser.Parse(body.AsSpan(0, length), model.InputSize, model.Options.MaxRowsPerRequest, headerLength);
        if (model.Scaling is { } scaling) request.Scale(scaling);
        return request;
    }

    private static void WriteAnswer(HttpContext context, ServedModel model, InferRequest request, float[] buffer)
    {
        int width = model.OutputSize;
        // Finite inputs can still overflow FP32 on the way through the layers; JSON has no Infinity to answer with,
        // and a binary answer is refused alike, so the two forms never disagree.
        if (FiniteFloats.IndexOfNonFinite(buffer.AsSpan(0, request.Rows * width)) >= 0)
            throw InferRequestException.BadRequest("the model's outputs overflow FP32 for these inputs; scale the inputs as in training");
        var outputs = new ReadOnlySpan2D<float>(buffer, 0, request.Rows, width, 0);
        if (request.BinaryOutput) BinaryAnswer.Write(context.Response, model, request.Id, outputs);
        else
        {
            context.Response.ContentType = JsonContentType;
            ProtocolJson.WriteInferResponse(context.Response.BodyWriter, model, request.Id, outputs, binaryData: false);
        }
    }

    private ServedModel? Find(HttpContext context, out string name)
    {
        name = context.Request.RouteValues["name"] as string ?? "";
        return registry.Find(name);
    }

    private Task UnknownModel(HttpContext context, string name) =>
        Refuse(context, name, StatusCodes.Status404NotFound, "unknown model \"" + name + "\"");

    private Task Refuse(HttpContext context, string name, int status, string message)
    {
        HostingLog.RequestRefused(_logger, name, status, message);
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        ProtocolJson.WriteError(context.Response.BodyWriter, message);
        return Task.CompletedTask;
    }
}
