using System.Runtime.InteropServices;

namespace Backprop.Simd.Distributed;

/// <summary>
/// Open MPI's C API, bound at run time through <see cref="NativeLibrary"/> function pointers: nothing is loaded until a
/// communicator is created, so the library has no native dependency for anyone who does not train distributed.
/// </summary>
/// <remarks>
/// Open MPI's handles are pointers to its predefined objects (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>),
/// so they are the addresses of those exported symbols. MPICH and its derivatives use integer handles and another
/// soname; they are refused with a message rather than misread.
/// </remarks>
internal sealed unsafe class MpiLibrary
{
    public const int Success = 0;
    public const int ThreadFunneled = 1;
    public const int MaxErrorString = 256;
    public static readonly nint InPlace = 1;

    private static readonly Lock LoadLock = new();
    private static MpiLibrary? _loaded;

    private MpiLibrary(nint handle)
    {
        CommWorld = Symbol(handle, "ompi_mpi_comm_world");
        Float = Symbol(handle, "ompi_mpi_float");
        Double = Symbol(handle, "ompi_mpi_double");
        Byte = Symbol(handle, "ompi_mpi_byte");
        Sum = Symbol(handle, "ompi_mpi_op_sum");
        ErrorsReturn = Symbol(handle, "ompi_mpi_errors_return");
        Initialized = (delegate* unmanaged<int*, int>)Symbol(handle, "MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Symbol(handle, "MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Symbol(handle, "MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Symbol(handle, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Symbol(handle, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Symbol(handle, "MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Symbol(handle, "MPI_Comm_set_errhandler");
        Allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)Symbol(handle, "MPI_Allreduce");
        Iallreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int>)Symbol(handle, "MPI_Iallreduce");
        Waitall = (delegate* unmanaged<int, nint*, nint, int>)Symbol(handle, "MPI_Waitall");
        Sendrecv = (delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, nint, int>)Symbol(handle, "MPI_Sendrecv");
        Allgatherv = (delegate* unmanaged<nint, int, nint, void*, int*, int*, nint, nint, int>)Symbol(handle, "MPI_Allgatherv");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Symbol(handle, "MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Symbol(handle, "MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Symbol(handle, "MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Symbol(handle, "MPI_Error_string");
    }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Byte { get; }
    public nint Sum { get; }
    public nint ErrorsReturn { get; }
    public delegate* unmanaged<int*, int> Initialized { get; }
    public delegate* unmanaged<int*, int> Finalized { get; }
    public delegate* unmanaged<int*, nint, int, int*, int> InitThread { get; }
    public delegate* unmanaged<int> Finalize { get; }
    public delegate* unmanaged<nint, int*, int> CommRank { get; }
    public delegate* unmanaged<nint, int*, int> CommSize { get; }
    public delegate* unmanaged<nint, nint, int> CommSetErrhandler { get; }
    public delegate* unmanaged<nint, void*, int, nint, nint, nint, int> Allreduce { get; }
    public delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int> Iallreduce { get; }
    public delegate* unmanaged<int, nint*, nint, int> Waitall { get; }
    public delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, nint, int> Sendrecv { get; }
    public delegate* unmanaged<nint, int, nint, void*, int*, int*, nint, nint, int> Allgatherv { get; }
    public delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; }
    public delegate* unmanaged<nint, int> Barrier { get; }
    public delegate* unmanaged<nint, int, int> Abort { get; }
    public delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }

    /// <summary>Loads Open MPI once per process.</summary>
    /// <exception cref="MpiException">Open MPI is not installed, or the MPI found is not Open MPI.</exception>
    public static MpiLibrary Load()
    {
        lock (LoadLock)
        {
            if (_loaded is not null) return _loaded;
            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
                throw new MpiException("Distributed training binds to Open MPI, which this library supports on Linux and macOS only.");
            string[] names = OperatingSystem.IsLinux() ? ["libmpi.so.40", "libmpi.so"] : ["libmpi.40.dylib", "libmpi.dylib"];
            foreach (string name in names)
            {
                if (NativeLibrary.TryLoad(name, out nint handle))
                    return _loaded = new MpiLibrary(handle);
            }
            throw new MpiException("Open MPI's " + names[0] + " could not be loaded: install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev).");
        }
    }

    public void Check(int code, string call)
    {
        if (code == Success) return;
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        string reason = ErrorString(code, text, &length) == Success
            ? System.Text.Encoding.UTF8.GetString(text, Math.Clamp(length, 0, MaxErrorString))
            : "error code " + code;
        throw new MpiException(call + " failed: " + reason + ".");
    }

    private static nint Symbol(nint handle, string name)
    {
        if (NativeLibrary.TryGetExport(handle, name, out nint address)) return address;
        throw new MpiException("The MPI library loaded has no " + name + ": distributed training needs Open MPI (4.x or 5.x), not another MPI.");
    }
}
