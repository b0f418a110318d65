namespace Backprop.Simd.Hosting;

/// <summary>A client's mistake in a request: answered with <see cref="StatusCode"/> and <c>{"error": Message}</c>.</summary>
internal sealed class InferRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static InferRequestException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
