using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace Backprop.Simd.Hosting;

/// <summary>Reads a whole request body into a buffer rented from <see cref="RequestBuffers{T}"/>, refusing more than a limit.</summary>
internal static class RequestBody
{
    private const int FirstBufferBytes = 16 * 1024;

    /// <summary>The body and its length; the caller returns the buffer to <see cref="RequestBuffers{T}"/>.</summary>
    /// <exception cref="InferRequestException">The body is longer than <paramref name="maxBytes"/> (413).</exception>
    // A ValueTask: a body that arrived with the headers is read without an await that waits, so this allocates nothing.
    public static async ValueTask<(byte[] Buffer, int Length)> ReadAsync(HttpContext context, long maxBytes, CancellationToken cancellation)
    {
        long? declared = context.Request.ContentLength;
        if (declared > maxBytes) throw TooLarge(maxBytes);
        // Kestrel's own limit (30 MB by default) would answer first if it were lower than ours; ours decides.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes + 1;

        byte[] buffer = RequestBuffers<byte>.Rent((int)Math.Min(declared ?? FirstBufferBytes, maxBytes) + 1);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) throw TooLarge(maxBytes);
                    byte[] larger = RequestBuffers<byte>.Rent((int)Math.Min(2L * buffer.Length, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    RequestBuffers<byte>.Return(buffer);
                    buffer = larger;
                }
                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), cancellation).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
                if (length > maxBytes) throw TooLarge(maxBytes);
            }
            return (buffer, length);
        }
        catch (BadHttpRequestException kestrel)
        {
            // Kestrel reads a chunked body ahead of us, so its limit (ours + 1) can trip before our count does.
            RequestBuffers<byte>.Return(buffer);
            throw kestrel.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge(maxBytes)
                : new InferRequestException(kestrel.StatusCode, "the request body could not be read: " + kestrel.Message);
        }
        catch
        {
            RequestBuffers<byte>.Return(buffer);
            throw;
        }
    }

    private static InferRequestException TooLarge(long maxBytes) => new(StatusCodes.Status413PayloadTooLarge,
        "the request body is larger than " + maxBytes.ToString(CultureInfo.InvariantCulture) + " bytes, this server's limit");
}
