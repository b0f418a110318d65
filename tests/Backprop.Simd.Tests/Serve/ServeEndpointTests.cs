using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Backprop.Cli.Commands;
using Backprop.Simd.Data;
using Backprop.Simd.Hosting;
using Backprop.Simd.Inference;
using Backprop.Simd.Tests.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Simd.Tests.Serve;

/// <summary>
/// A real server on a free loopback port: every Open Inference Protocol endpoint, answers compared with an
/// <see cref="InferenceSession{T}"/>'s on the embedded digits, and every kind of bad request answered 4xx with a JSON error.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ServeEndpointTests : IAsyncLifetime
{
    private const int MaxRows = 16;
    private const long MaxBodyBytes = 64 * 1024;
    private readonly TempFolder _folder = new();
    private readonly string _modelPath;
    private readonly WebApplication _app;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Dataset _digits = Datasets.Digits();

    public ServeEndpointTests()
    {
        _modelPath = ServeModelFile.Save(_folder);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddBackpropModel("digits", _modelPath, options =>
        {
            options.MaxRowsPerRequest = MaxRows;
            options.MaxRequestBodyBytes = MaxBodyBytes;
            options.EnableFloorEndpoint = true;
        });
        _app = builder.Build();
        _app.MapBackpropInference();
    }

    public async Task InitializeAsync()
    {
        await _app.StartAsync();
        _client.BaseAddress = new Uri(ServeCommand.Addresses(_app).Single());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Health_readiness_and_metadata_follow_the_protocol()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/models/digits/ready")).StatusCode);
        await ExpectError(await _client.GetAsync("/v2/models/nope/ready"), HttpStatusCode.NotFound, "unknown model \"nope\"");
        await ExpectError(await _client.GetAsync("/v2/models/nope"), HttpStatusCode.NotFound, "unknown model");

        using JsonDocument metadata = JsonDocument.Parse(await _client.GetStringAsync("/v2/models/digits"));
        JsonElement root = metadata.RootElement;
        Assert.Equal("digits", root.GetProperty("name").GetString());
        Assert.Equal("backprop-simd", root.GetProperty("platform").GetString());
        AssertTensorMetadata(root.GetProperty("inputs").EnumerateArray().Single(), "input", ServeModelFile.Inputs);
        AssertTensorMetadata(root.GetProperty("outputs").EnumerateArray().Single(), "output", ServeModelFile.Outputs);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(5, false)]
    [InlineData(MaxRows, true)]
    public async Task Infer_answers_what_an_inference_session_predicts(int rows, bool nested)
    {
        HttpResponseMessage response = await Infer(InferBody(first: 100, rows, nested, id: "req-1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("digits", answer.RootElement.GetProperty("model_name").GetString());
        Assert.Equal("req-1", answer.RootElement.GetProperty("id").GetString());
        JsonElement output = answer.RootElement.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal("output", output.GetProperty("name").GetString());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal([rows, ServeModelFile.Outputs], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(Expected(first: 100, rows), output.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray());
    }

    [Fact]
    public async Task Concurrent_clients_each_get_their_own_rows()
    {
        const int Clients = 8, RequestsEach = 25;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            for (int request = 0; request < RequestsEach; request++)
            {
                int first = (client * RequestsEach + request) * 3 % (_digits.SampleCount - 4), rows = 1 + request % 4;
                HttpResponseMessage response = await Infer(InferBody(first, rows, nested: false));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                float[] data = answer.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                Assert.Equal(Expected(first, rows), data);
            }
        })));
    }

    [Fact]
    public async Task Every_bad_request_is_a_4xx_with_a_json_error_naming_it()
    {
        string Tensor(string shape, string data, string datatype = "FP32") =>
            "{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}";
        string row = Row(0);
        await ExpectError(await Infer("{\"inputs\":[{\"name\":\"input\""), HttpStatusCode.BadRequest, "malformed JSON");
        await ExpectError(await Infer(Tensor("[1,64]", "[" + row + "]", "FP64")), HttpStatusCode.BadRequest, "datatype \"FP64\"");
        await ExpectError(await Infer(Tensor("[1,63]", "[" + row + "]")), HttpStatusCode.BadRequest, "the model takes 64");
        await ExpectError(await Infer(Tensor("[2,64]", "[" + row + "]")), HttpStatusCode.BadRequest, "needs 128");
        await ExpectError(await Infer(Tensor("[64]", "[" + row + "]")), HttpStatusCode.BadRequest, "1 dimensions");
        await ExpectError(await Infer(Tensor("[1,64]", "[" + row.Replace("0,", "1e999,", StringComparison.Ordinal) + "]")),
            HttpStatusCode.BadRequest, "not a finite FP32 number");
        await ExpectError(await Infer(Tensor("[1,64]", "[\"NaN\"," + row[(row.IndexOf(',', StringComparison.Ordinal) + 1)..] + "]")),
            HttpStatusCode.BadRequest, "data[0] is a string");
        await ExpectError(await Infer(InferBody(0, MaxRows + 1, nested: false)), HttpStatusCode.BadRequest,
            "shape has 17 rows; this server takes at most 16");
        await ExpectError(await Infer(InferBody(0, 1, nested: false) + new string(' ', (int)MaxBodyBytes)),
            HttpStatusCode.RequestEntityTooLarge, "larger than 65536 bytes");
        await ExpectError(await _client.PostAsync("/v2/models/nope/infer", new StringContent(InferBody(0, 1, nested: false))),
            HttpStatusCode.NotFound, "unknown model \"nope\"");
    }

    [Fact]
    public async Task Metrics_count_every_request_by_outcome_in_the_prometheus_format()
    {
        foreach (int rows in (int[])[1, 2, 5]) Assert.Equal(HttpStatusCode.OK, (await Infer(InferBody(first: 20, rows, nested: false))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Infer("{\"inputs\":")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Infer(InferBody(0, MaxRows + 1, nested: false))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Infer(new string(' ', 2 * (int)MaxBodyBytes))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/v2/models/nope/infer", new StringContent("{}"))).StatusCode);

        HttpResponseMessage response = await _client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(response.Content.Headers.ContentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Dictionary<string, double> samples = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        const string Model = "model=\"digits\"";
        Assert.Equal(3, samples["backprop_infer_requests_total{" + Model + ",outcome=\"ok\"}"]);
        Assert.Equal(2, samples["backprop_infer_requests_total{" + Model + ",outcome=\"400\"}"]);
        Assert.Equal(1, samples["backprop_infer_requests_total{" + Model + ",outcome=\"413\"}"]);
        Assert.Equal(0, samples["backprop_infer_requests_total{" + Model + ",outcome=\"500\"}"]);
        Assert.DoesNotContain(samples.Keys, series => series.Contains("nope", StringComparison.Ordinal)); // unknown names add no series
        Assert.Equal(8, samples["backprop_predicted_rows_total{" + Model + "}"]);
        Assert.Equal(6, samples["backprop_infer_duration_seconds_count{" + Model + "}"]);
        Assert.InRange(samples["backprop_infer_duration_seconds_sum{" + Model + "}"], 1e-7, 60);
        PrometheusText.AssertCumulative(samples, "backprop_infer_duration_seconds", Model);
        Assert.Equal(3, samples["backprop_batch_rows_count{" + Model + "}"]);
        Assert.Equal(8, samples["backprop_batch_rows_sum{" + Model + "}"]);
        Assert.Equal(1, samples["backprop_batch_rows_bucket{" + Model + ",le=\"1\"}"]);
        Assert.Equal(2, samples["backprop_batch_rows_bucket{" + Model + ",le=\"2\"}"]);
        Assert.Equal(2, samples["backprop_batch_rows_bucket{" + Model + ",le=\"4\"}"]);
        Assert.Equal(3, samples["backprop_batch_rows_bucket{" + Model + ",le=\"8\"}"]);
        PrometheusText.AssertCumulative(samples, "backprop_batch_rows", Model);
        Assert.True(samples["dotnet_gc_allocated_bytes_total"] > 0);
        Assert.True(samples["process_resident_memory_bytes"] > 1 << 20);
        Assert.True(samples["dotnet_gc_collections_total{generation=\"0\"}"] >= samples["dotnet_gc_collections_total{generation=\"2\"}"]);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(5, false)]
    [InlineData(MaxRows, true)]
    [InlineData(3, true)]
    public async Task A_binary_request_answers_what_an_inference_session_predicts_in_binary_or_json(int rows, bool binaryOutput)
    {
        string outputs = binaryOutput ? ",\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]" : "";
        HttpResponseMessage response = await _client.PostAsync("/v2/models/digits/infer", BinaryContent(first: 40, rows, outputs, id: "b-1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (JsonElement header, float[] data) = await ReadAnswer(response);
        Assert.Equal("b-1", header.GetProperty("id").GetString());
        JsonElement output = header.GetProperty("outputs")[0];
        Assert.Equal([rows, ServeModelFile.Outputs], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(binaryOutput, response.Content.Headers.ContentType?.MediaType == "application/octet-stream");
        if (binaryOutput) Assert.Equal(rows * ServeModelFile.Outputs * 4, output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(Expected(first: 40, rows), data);
    }

    [Fact]
    public async Task A_json_request_can_ask_for_a_binary_answer_for_all_outputs()
    {
        string body = InferBody(first: 9, rows: 2, nested: false)[..^1] + ",\"parameters\":{\"binary_data_output\":true}}";
        HttpResponseMessage response = await Infer(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("Inference-Header-Content-Length"));
        (_, float[] data) = await ReadAnswer(response);
        Assert.Equal(Expected(first: 9, rows: 2), data);
    }

    [Fact]
    public async Task Every_bad_binary_request_is_a_400_with_a_json_error_naming_it()
    {
        async Task<HttpResponseMessage> Post(byte[] body, string? headerLength)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            if (headerLength is not null) content.Headers.Add("Inference-Header-Content-Length", headerLength);
            return await _client.PostAsync("/v2/models/digits/infer", content);
        }
        (byte[] body, int headerLength) = BinaryBody(first: 0, rows: 2, "", id: null);
        string length = headerLength.ToString(CultureInfo.InvariantCulture);
        await ExpectError(await Post(body, "99999"), HttpStatusCode.BadRequest, "is beyond the body's");
        await ExpectError(await Post(body, "-5"), HttpStatusCode.BadRequest, "must be one non-negative integer");
        await ExpectError(await Post(body, "12abc"), HttpStatusCode.BadRequest, "must be one non-negative integer");
        await ExpectError(await Post(body, "99999999999999999999999"), HttpStatusCode.BadRequest, "must be one non-negative integer");
        await ExpectError(await Post(body, null), HttpStatusCode.BadRequest, "malformed JSON");
        await ExpectError(await Post(body[..^4], length), HttpStatusCode.BadRequest, "508 bytes follow the JSON header");
        byte[] withNaN = (byte[])body.Clone();
        BitConverter.TryWriteBytes(withNaN.AsSpan(headerLength + 4 * 70), float.NaN);
        await ExpectError(await Post(withNaN, length), HttpStatusCode.BadRequest, "binary data[70] is not a finite FP32 number");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_floor_reads_the_same_body_and_answers_the_same_shape_without_predicting(bool binary)
    {
        const int Rows = 3;
        HttpContent content = binary ? BinaryContent(first: 12, Rows, ",\"parameters\":{\"binary_data_output\":true}", id: null)
            : new StringContent(InferBody(first: 12, Rows, nested: false), Encoding.UTF8, "application/json");
        HttpResponseMessage response = await _client.PostAsync("/v2/models/digits/floor", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (JsonElement header, float[] data) = await ReadAnswer(response);
        Assert.Equal([Rows, ServeModelFile.Outputs], header.GetProperty("outputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        // Each row's first input values, not a prediction.
        float[] expected = [.. Enumerable.Range(12, Rows).SelectMany(row => _digits.Row(row).ToArray().Take(ServeModelFile.Outputs))];
        Assert.Equal(expected, data);
        await ExpectError(await _client.PostAsync("/v2/models/digits/floor", new StringContent("{\"inputs\":[]}")), HttpStatusCode.BadRequest, "no \"inputs\"");

        // The floor is not the model's traffic: /metrics counts no infer request.
        Dictionary<string, double> samples = PrometheusText.Parse(await _client.GetStringAsync("/metrics"));
        Assert.Equal(0, samples["backprop_infer_requests_total{model=\"digits\",outcome=\"ok\"}"]);
        Assert.Equal(0, samples["backprop_infer_requests_total{model=\"digits\",outcome=\"400\"}"]);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_refused_with_413()
    {
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(new string(' ', 2 * (int)MaxBodyBytes))));
        await ExpectError(await _client.PostAsync("/v2/models/digits/infer", content), HttpStatusCode.RequestEntityTooLarge, "larger than");
    }

    [Fact]
    public async Task The_serve_command_builds_a_server_that_answers_under_the_file_name()
    {
        await using WebApplication app = ServeCommand.Build(_modelPath, name: null, "http://127.0.0.1:0", maxRows: 4, verbose: false);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(ServeCommand.Addresses(app).Single()) };
        HttpResponseMessage response = await client.PostAsync("/v2/models/digits/infer", new StringContent(InferBody(7, 2, nested: true)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Expected(7, 2), answer.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        await ExpectError(await client.PostAsync("/v2/models/digits/infer", new StringContent(InferBody(0, 5, nested: false))),
            HttpStatusCode.BadRequest, "at most 4");
        // The floor is a benchmarking aid, off unless asked for.
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/v2/models/digits/floor", new StringContent(InferBody(7, 2, nested: false)))).StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task With_dynamic_batching_concurrent_clients_each_get_their_own_rows()
    {
        await using WebApplication app = ServeCommand.Build(_modelPath, "digits", "http://127.0.0.1:0", maxRows: 8, verbose: false,
            maxBatch: 8, maxDelayMicroseconds: 5_000);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(ServeCommand.Addresses(app).Single()) };
        const int Clients = 8, RequestsEach = 10;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async clientIndex =>
        {
            for (int request = 0; request < RequestsEach; request++)
            {
                int first = (clientIndex * RequestsEach + request) * 5 % (_digits.SampleCount - 8), rows = 1 + (clientIndex + request) % 3;
                HttpResponseMessage response = await client.PostAsync("/v2/models/digits/infer", new StringContent(InferBody(first, rows, nested: false)));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(Expected(first, rows),
                    answer.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray());
            }
        }));
        DynamicBatcher batcher = app.Services.GetRequiredService<ModelRegistry>().Find("digits")!.Batcher!;
        Assert.Equal(Clients * RequestsEach, batcher.Requests);
        Assert.True(batcher.Batches < batcher.Requests, batcher.Batches + " batches for " + batcher.Requests + " requests: nothing was coalesced");
        await app.StopAsync();
    }

    [Fact]
    public async Task A_reload_under_load_swaps_the_model_whole_and_a_bad_file_leaves_the_old_one_serving()
    {
        string served = ServeModelFile.Save(_folder, "swap.bpm", seed: 11);
        string replacement = ServeModelFile.Save(_folder, "replacement.bpm", seed: 12);
        string otherShape = ServeModelFile.Save(_folder, "other-shape.bpm", seed: 13, hidden: 16);
        float[] before = Expected(first: 3, rows: 2, path: served), after = Expected(first: 3, rows: 2, path: replacement);
        Assert.NotEqual(before, after);
        await using WebApplication app = ServeCommand.Build(served, name: null, "http://127.0.0.1:0", maxRows: 8, verbose: false);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(ServeCommand.Addresses(app).Single()) };
        string body = InferBody(first: 3, rows: 2, nested: false);
        Task<float[]> Answer() => AnswerOf(client, "/v2/models/swap/infer", body);

        // A client keeps asking while the file is replaced and reloaded: every answer is wholly one model's, both rows.
        using var stop = new CancellationTokenSource();
        int answers = 0, fromBefore = 0, fromAfter = 0;
        Task load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                float[] data = await Answer();
                if (data.SequenceEqual(before)) fromBefore++;
                else if (data.SequenceEqual(after)) fromAfter++;
                else Assert.Fail("an answer came from neither model: " + string.Join(",", data));
                answers++;
            }
        });
        while (Volatile.Read(ref answers) < 20 && !load.IsCompleted) await Task.Delay(5);
        File.Copy(replacement, served, overwrite: true);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v2/repository/models/swap/load", null)).StatusCode);
        int afterReload = Volatile.Read(ref answers);
        while (Volatile.Read(ref answers) < afterReload + 20 && !load.IsCompleted) await Task.Delay(5);
        await stop.CancelAsync();
        await load;
        Assert.True(fromBefore > 0 && fromAfter > 0, fromBefore + " answers before, " + fromAfter + " after the reload");
        Assert.Equal(after, await Answer());

        // A broken file, and a model of another shape, are refused; the replacement keeps serving.
        File.WriteAllText(served, "not a model");
        await ExpectError(await client.PostAsync("/v2/repository/models/swap/load", null), HttpStatusCode.BadRequest,
            "the previous model still serves");
        File.Copy(otherShape, served, overwrite: true);
        await ExpectError(await client.PostAsync("/v2/repository/models/swap/load", null), HttpStatusCode.BadRequest,
            "same input size and layer widths");
        Assert.Equal(after, await Answer());
        await ExpectError(await client.PostAsync("/v2/repository/models/nope/load", null), HttpStatusCode.NotFound, "unknown model");
        await app.StopAsync();
    }

    [Fact]
    public async Task With_watch_a_replaced_file_is_served_and_a_broken_one_leaves_the_old_model_serving()
    {
        string served = ServeModelFile.Save(_folder, "watched.bpm", seed: 11);
        string replacement = ServeModelFile.Save(_folder, "watched-replacement.bpm", seed: 12);
        float[] before = Expected(first: 3, rows: 2, path: served), after = Expected(first: 3, rows: 2, path: replacement);
        await using WebApplication app = ServeCommand.Build(served, name: null, "http://127.0.0.1:0", maxRows: 8, verbose: false, watch: true);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(ServeCommand.Addresses(app).Single()) };
        string body = InferBody(first: 3, rows: 2, nested: false);
        Assert.Equal(before, await AnswerOf(client, "/v2/models/watched/infer", body));

        File.Copy(replacement, served, overwrite: true);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(await AnswerOf(client, "/v2/models/watched/infer", body)).SequenceEqual(after))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "the replaced file was not served within 20 s");
            await Task.Delay(20);
        }

        ServedModel model = app.Services.GetRequiredService<ModelRegistry>().Find("watched")!;
        long generation = model.Model.Generation;
        File.WriteAllText(served, "not a model");
        await Task.Delay(ModelFileWatcher.Quiet * 4); // the debounce, then the failed load
        Assert.Equal(generation, model.Model.Generation);
        Assert.Equal(after, await AnswerOf(client, "/v2/models/watched/infer", body));
        await app.StopAsync();
    }

    private static async Task<float[]> AnswerOf(HttpClient client, string path, string body)
    {
        HttpResponseMessage response = await client.PostAsync(path, new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }

    private Task<HttpResponseMessage> Infer(string body) =>
        _client.PostAsync("/v2/models/digits/infer", new StringContent(body, Encoding.UTF8, "application/json"));

    private string Row(int index) =>
        string.Join(',', _digits.Row(index).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private string InferBody(int first, int rows, bool nested, string? id = null)
    {
        var data = new StringBuilder("[");
        for (int row = 0; row < rows; row++)
        {
            if (row > 0) data.Append(',');
            data.Append(nested ? "[" + Row(first + row) + "]" : Row(first + row));
        }
        data.Append(']');
        return "{" + (id is null ? "" : "\"id\":\"" + id + "\",") + "\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + ","
            + ServeModelFile.Inputs + "],\"datatype\":\"FP32\",\"data\":" + data + "}]}";
    }

    // The binary tensor extension: the JSON header naming binary_data_size, then the rows as little-endian FP32.
    private (byte[] Body, int HeaderLength) BinaryBody(int first, int rows, string members, string? id)
    {
        int bytes = rows * ServeModelFile.Inputs * sizeof(float);
        byte[] header = Encoding.UTF8.GetBytes("{" + (id is null ? "" : "\"id\":\"" + id + "\",") + "\"inputs\":[{\"name\":\"input\",\"shape\":["
            + rows + "," + ServeModelFile.Inputs + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + bytes + "}}]" + members + "}");
        var body = new byte[header.Length + bytes];
        header.CopyTo(body, 0);
        for (int row = 0; row < rows; row++)
        {
            float[] values = _digits.Row(first + row).ToArray();
            for (int i = 0; i < values.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(header.Length + (row * ServeModelFile.Inputs + i) * sizeof(float)), values[i]);
        }
        return (body, header.Length);
    }

    private HttpContent BinaryContent(int first, int rows, string members, string? id)
    {
        (byte[] body, int headerLength) = BinaryBody(first, rows, members, id);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", headerLength.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    // The answer's JSON header and its output values, from the JSON "data" or from the binary bytes after the header.
    private static async Task<(JsonElement Header, float[] Data)> ReadAnswer(HttpResponseMessage response)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        if (!response.Headers.TryGetValues("Inference-Header-Content-Length", out IEnumerable<string>? lengths))
        {
            JsonElement json = JsonDocument.Parse(body).RootElement;
            return (json, json.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }
        int headerLength = int.Parse(lengths.Single(), CultureInfo.InvariantCulture);
        Assert.InRange(headerLength, 2, body.Length);
        JsonElement header = JsonDocument.Parse(body.AsMemory(0, headerLength)).RootElement;
        int size = header.GetProperty("outputs")[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
        Assert.Equal(body.Length - headerLength, size);
        Assert.False(header.GetProperty("outputs")[0].TryGetProperty("data", out _));
        var data = new float[size / sizeof(float)];
        for (int i = 0; i < data.Length; i++)
            data[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(headerLength + i * sizeof(float)));
        return (header, data);
    }

    private float[] Expected(int first, int rows, string? path = null)
    {
        InferenceSession<float> oracle = ServeModelFile.Oracle(path ?? _modelPath);
        var expected = new List<float>();
        for (int row = first; row < first + rows; row++) expected.AddRange(oracle.Predict(_digits.Row(row)).ToArray());
        return [.. expected];
    }

    private static void AssertTensorMetadata(JsonElement tensor, string name, int width)
    {
        Assert.Equal(name, tensor.GetProperty("name").GetString());
        Assert.Equal("FP32", tensor.GetProperty("datatype").GetString());
        Assert.Equal([-1, width], tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    private static async Task ExpectError(HttpResponseMessage response, HttpStatusCode status, string fragment)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, "expected " + (int)status + ", got " + (int)response.StatusCode + ": " + body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument error = JsonDocument.Parse(body);
        string message = error.RootElement.GetProperty("error").GetString()!;
        Assert.Contains(fragment, message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
    }

    // No length and no seeking: HttpClient sends it chunked, so only the server's count of bytes read can stop it.
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
