namespace Backprop.Simd.IO;

/// <summary>A named tensor of a safetensors file, held as row-major float values.</summary>
public sealed class SafeTensor
{
    /// <summary>Creates a tensor; the values array is held, not copied, and the shape is copied.</summary>
    /// <param name="name">The tensor's name, non-empty and not "__metadata__".</param>
    /// <param name="shape">The dimensions, outermost first; empty for a scalar.</param>
    /// <param name="values">Row-major values; their count must equal the product of <paramref name="shape"/>.</param>
    /// <param name="sourceType">The dtype the values were read from (informational; writing always uses F32).</param>
    /// <exception cref="ArgumentException">The name is reserved or the value count does not match the shape.</exception>
    public SafeTensor(string name, IReadOnlyList<int> shape, float[] values, SafeTensorDType sourceType = SafeTensorDType.F32)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        if (name == SafeTensorsFile.MetadataKey)
            throw new ArgumentException($"'{SafeTensorsFile.MetadataKey}' is reserved for the header's metadata.", nameof(name));
        long count = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] < 0) throw new ArgumentException($"Dimension {i} of '{name}' is negative ({shape[i]}).", nameof(shape));
            count = Math.Min(count * shape[i], (long)Array.MaxLength + 1);
        }
        if (count != values.Length)
            throw new ArgumentException($"Tensor '{name}' has {values.Length} values but its shape holds {count}.", nameof(values));
        Name = name;
        Shape = [.. shape];
        Values = values;
        SourceType = sourceType;
    }

    /// <summary>The tensor's name (e.g. "0.weight").</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The values in row-major order.</summary>
    public float[] Values { get; }

    /// <summary>The dtype the values were stored as in the file they came from.</summary>
    public SafeTensorDType SourceType { get; }
}
