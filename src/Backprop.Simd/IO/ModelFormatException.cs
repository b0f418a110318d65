namespace Backprop.Simd.IO;

/// <summary>
/// The one exception every model-file reader in this library throws for a file it cannot accept: wrong magic, unknown
/// version, bad checksum, truncation, a size out of range, an architecture that does not match the parameter count,
/// malformed safetensors JSON. The message says what is wrong and where (byte offset or field name).
/// </summary>
/// <remarks>
/// Readers never let a hostile file surface as <see cref="OutOfMemoryException"/>, <see cref="IndexOutOfRangeException"/>
/// or a hang: every size is checked against the bytes that remain before anything is allocated.
/// I/O failures of the underlying stream (a missing file, a disk error) still surface as <see cref="IOException"/>.
/// </remarks>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public ModelFormatException() { }

    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public ModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the lower-level error that revealed the problem.</summary>
    public ModelFormatException(string message, Exception innerException) : base(message, innerException) { }
}
