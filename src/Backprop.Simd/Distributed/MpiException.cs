namespace Backprop.Simd.Distributed;

/// <summary>An MPI call failed, or MPI could not be loaded or started; the message says which and why.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MpiException() { }

    /// <summary>Creates the exception with a message.</summary>
    public MpiException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MpiException(string message, Exception innerException) : base(message, innerException) { }
}
