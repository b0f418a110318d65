using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Per-thread scratch for the packed panels of A and B. Each is allocated (pinned) the first time a thread needs it
/// at a given size and reused forever after, so steady-state products allocate nothing. The buffers are untyped bytes
/// because thread statics of a non-generic class are the cheap kind to reach.
/// </summary>
internal static unsafe class MatMulPackingBuffers
{
    // Whole cache lines, so that vector loads of a panel never straddle two.
    private const int Alignment = 64;

    [ThreadStatic] private static byte[]? s_panelA;
    [ThreadStatic] private static byte[]? s_panelB;

    public static T* PanelA<T>(int length) where T : unmanaged => (T*)Rent(ref s_panelA, length * sizeof(T));

    public static T* PanelB<T>(int length) where T : unmanaged => (T*)Rent(ref s_panelB, length * sizeof(T));

    private static byte* Rent(ref byte[]? buffer, int bytes)
    {
        if (buffer is null || buffer.Length < bytes + Alignment) buffer = GC.AllocateUninitializedArray<byte>(bytes + Alignment, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (byte*)((start + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
