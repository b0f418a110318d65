using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Simd.Kernels;

/// <summary>
/// Per-thread scratch for the packed panels of A and B. Each is allocated (pinned) the first time a thread needs it
/// at a given size and reused forever after, so steady-state products allocate nothing.
/// </summary>
internal static unsafe class MatMulPackingBuffers<T>
    where T : unmanaged
{
    [ThreadStatic] private static T[]? s_panelA;
    [ThreadStatic] private static T[]? s_panelB;

    public static T* PanelA(int length) => Rent(ref s_panelA, length);

    public static T* PanelB(int length) => Rent(ref s_panelB, length);

    private static T* Rent(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<T>(length, pinned: true);
        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }
}
