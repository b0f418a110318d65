using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Hosting;

/// <summary>
/// The input tensor of one infer request, <c>[rows, columns]</c> in a buffer rented from <see cref="RequestBuffers{T}"/>;
/// disposing it returns the buffer.
/// </summary>
internal sealed class InferRequest : IDisposable
{
    private float[]? _values;

    public InferRequest(string? id, float[] values, int rows, int columns, bool binaryOutput = false)
    {
        Id = id;
        BinaryOutput = binaryOutput;
        _values = values;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The request's optional <c>id</c>, echoed in the response as the protocol asks.</summary>
    public string? Id { get; }

    /// <summary>Whether the client asked for the output as binary tensor data rather than JSON numbers.</summary>
    public bool BinaryOutput { get; }

    public int Rows { get; }

    public int Columns { get; }

    public ReadOnlySpan2D<float> Inputs => new(_values ?? throw new ObjectDisposedException(nameof(InferRequest)), 0, Rows, Columns, 0);

    /// <summary>Scales each row in place (the buffer is this request's own).</summary>
    public void Scale(Data.Standardization scaling)
    {
        float[] values = _values ?? throw new ObjectDisposedException(nameof(InferRequest));
        for (int row = 0; row < Rows; row++) scaling.ApplyInPlace(values.AsSpan(row * Columns, Columns));
    }

    public void Dispose()
    {
        float[]? values = Interlocked.Exchange(ref _values, null);
        if (values is not null) RequestBuffers<float>.Return(values);
    }
}
