using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Benchmarks;

/// <summary>Which of the three products a shape exercises.</summary>
public enum MatMulForm
{
    Multiply,
    TransposedB,
    TransposedA,
}

/// <summary>
/// The products of one training step of a 784-256-128-10 MLP at batch 128 (and batch-1 inference), written M×N×K for
/// C[M, N] with inner dimension K, plus preallocated operands for each.
/// </summary>
public sealed class MatMulShape
{
    public static readonly MatMulShape[] All =
    [
        new("fwd 128x256x784", MatMulForm.Multiply, 128, 256, 784),
        new("fwd 128x128x256", MatMulForm.Multiply, 128, 128, 256),
        new("fwd 128x10x128", MatMulForm.Multiply, 128, 10, 128),
        new("dW 784x256x128", MatMulForm.TransposedA, 784, 256, 128),
        new("dW 256x128x128", MatMulForm.TransposedA, 256, 128, 128),
        new("dW 128x10x128", MatMulForm.TransposedA, 128, 10, 128),
        new("dX 128x128x10", MatMulForm.TransposedB, 128, 128, 10),
        new("dX 128x256x128", MatMulForm.TransposedB, 128, 256, 128),
        new("fwd 1x256x784", MatMulForm.Multiply, 1, 256, 784),
    ];

    private MatMulShape(string name, MatMulForm form, int m, int n, int k)
    {
        Name = name;
        Form = form;
        M = m;
        N = n;
        K = k;
        var random = new Random(42);
        (int leftHeight, int leftWidth, int rightHeight, int rightWidth) = form switch
        {
            MatMulForm.Multiply => (m, k, k, n),
            MatMulForm.TransposedB => (m, k, n, k),
            _ => (k, m, k, n),
        };
        Left = Fill(new float[leftHeight, leftWidth], random);
        Right = Fill(new float[rightHeight, rightWidth], random);
        Destination = new float[m, n];
    }

    public string Name { get; }
    public MatMulForm Form { get; }
    public int M { get; }
    public int N { get; }
    public int K { get; }
    public float[,] Left { get; }
    public float[,] Right { get; }
    public float[,] Destination { get; }
    public double Flops => 2.0 * M * N * K;

    public static MatMulShape Named(string name) => Array.Find(All, s => s.Name == name) ?? throw new ArgumentException(name, nameof(name));

    public void Run(SimdVariant variant, WorkerPool? pool = null)
    {
        switch (Form)
        {
            case MatMulForm.Multiply:
                MatMul.Multiply<float>(variant, Left, Right, Destination, accumulate: false, pool);
                break;
            case MatMulForm.TransposedB:
                MatMul.MultiplyTransposedB<float>(variant, Left, Right, Destination, accumulate: false, pool);
                break;
            default:
                MatMul.MultiplyTransposedA<float>(variant, Left, Right, Destination, accumulate: false, pool);
                break;
        }
    }

    public override string ToString() => Name;

    private static float[,] Fill(float[,] matrix, Random random)
    {
        foreach (ref float value in matrix.AsSpan2D()) value = (float)((random.NextDouble() * 2) - 1);
        return matrix;
    }
}
