using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Tests.Kernels;

public sealed class MatMulThreadingTests : IDisposable
{
    private readonly WorkerPool[] _pools = [new(2), new(3), new(4)];

    public void Dispose()
    {
        foreach (WorkerPool pool in _pools) pool.Dispose();
    }

    public static TheoryData<MatMulForm, int, int, int> Shapes()
    {
        var data = new TheoryData<MatMulForm, int, int, int>();
        foreach (MatMulForm form in Enum.GetValues<MatMulForm>())
        {
            // Network products, a batch-1 row, a single column, a narrow C (swapped views), ragged sizes, and a C cut
            // into pieces narrow enough for one-vector panels.
            data.Add(form, 128, 256, 300);
            data.Add(form, 400, 256, 64);
            data.Add(form, 1, 512, 784);
            data.Add(form, 600, 1, 500);
            data.Add(form, 256, 10, 128);
            data.Add(form, 67, 131, 259);
            data.Add(form, 16, 24, 1000);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_thread_count_gives_bit_identical_results(MatMulForm form, int m, int n, int k)
    {
        // The scalar variant has no parallel path; the vector ones differ in tile sizes, hence in how work is cut.
        foreach (SimdVariant variant in SimdSupport.Supported.Where(v => v != SimdVariant.Scalar))
        {
            foreach (bool accumulate in (bool[])[false, true])
            {
                var random = new Random(m + n + k);
                var (leftShape, rightShape) = MatMulReference.OperandShapes(form, m, n, k);
                Span2D<float> left = MatMulCase.Strided<float>(leftShape.Height, leftShape.Width, 1, random);
                Span2D<float> right = MatMulCase.Strided<float>(rightShape.Height, rightShape.Width, 2, random);
                float[,] initial = MatMulCase.Strided<float>(m, n, 0, random).ToArray();

                float[,] alone = Run(form, variant, left, right, initial, accumulate, pool: null);
                foreach (WorkerPool pool in _pools)
                {
                    float[,] shared = Run(form, variant, left, right, initial, accumulate, pool);
                    AssertBitIdentical(alone, shared, form + " " + variant + " " + m + "x" + n + "x" + k + " threads=" + pool.ThreadCount);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void An_epilogue_meets_every_element_of_C_once_after_its_product(MatMulForm form, int m, int n, int k)
    {
        if (form == MatMulForm.TransposedA) return;
        foreach (SimdVariant variant in SimdSupport.Supported)
        {
            var random = new Random(m + n + k);
            var (leftShape, rightShape) = MatMulReference.OperandShapes(form, m, n, k);
            Span2D<float> left = MatMulCase.Strided<float>(leftShape.Height, leftShape.Width, 1, random);
            Span2D<float> right = MatMulCase.Strided<float>(rightShape.Height, rightShape.Width, 2, random);
            float[,] product = Run(form, variant, left, right, new float[m, n], accumulate: false, pool: null);
            foreach (WorkerPool? pool in _pools.Prepend(null))
            {
                // A marker that only an epilogue run after the product, once per element, leaves as product + 1000.
                var result = new float[m, n];
                fixed (float* origin = result)
                {
                    var epilogue = new AddThousand(new MatrixView<float>(origin, n, 1));
                    Span2D<float> destination = result;
                    if (form == MatMulForm.Multiply) MatMul.Multiply(variant, left, right, destination, accumulate: false, pool, epilogue);
                    else MatMul.MultiplyTransposedB(variant, left, right, destination, accumulate: false, pool, epilogue);
                }

                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        Assert.True(result[i, j] == product[i, j] + 1000f,
                            form + " " + variant + " " + m + "x" + n + "x" + k + " threads=" + (pool?.ThreadCount ?? 1) + ": [" + i + ", " + j + "] is " +
                            result[i, j].ToString("R") + ", product " + product[i, j].ToString("R"));
                    }
                }
            }
        }
    }

    [Fact]
    public void Ten_thousand_threaded_products_allocate_nothing()
    {
        var random = new Random(3);
        Memory2D<float> x = MatMulCase.StridedMemory<float>(64, 96, 0, random);
        Memory2D<float> w = MatMulCase.StridedMemory<float>(96, 80, 0, random);
        var y = new float[64, 80];
        WorkerPool pool = _pools[0];
        long allocated = SteadyState.AllocatedBytes(_ => MatMul.Multiply<float>(x.Span, w.Span, y, accumulate: false, pool), calls: 10_000);
        Assert.True(allocated == 0, "allocated " + allocated + " bytes over 10000 calls");
    }

    [Fact]
    public void Worker_pool_runs_every_part_exactly_once()
    {
        int[] counts = GC.AllocateArray<int>(37, pinned: true);
        foreach (WorkerPool pool in _pools)
        {
            for (int job = 0; job < 500; job++)
            {
                int parts = 1 + (job % counts.Length);
                Array.Clear(counts);
                var work = new CountParts(counts);
                pool.Run(ref work, parts);
                for (int part = 0; part < counts.Length; part++)
                {
                    Assert.True(counts[part] == (part < parts ? 1 : 0),
                        "threads=" + pool.ThreadCount + " job " + job + ": part " + part + " ran " + counts[part] + " times");
                }
            }
        }
    }

    [Fact]
    public void Worker_pool_rejects_fewer_than_one_thread() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));

    private static unsafe float[,] Run(MatMulForm form, SimdVariant variant, Span2D<float> left, Span2D<float> right, float[,] initial,
        bool accumulate, WorkerPool? pool)
    {
        var result = (float[,])initial.Clone();
        Span2D<float> destination = result;
        switch (form)
        {
            case MatMulForm.Multiply:
                MatMul.Multiply<float>(variant, left, right, destination, accumulate, pool);
                break;
            case MatMulForm.TransposedB:
                MatMul.MultiplyTransposedB<float>(variant, left, right, destination, accumulate, pool);
                break;
            default:
                MatMul.MultiplyTransposedA<float>(variant, left, right, destination, accumulate, pool);
                break;
        }

        return result;
    }

    private static void AssertBitIdentical(float[,] expected, float[,] actual, string what)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                if (BitConverter.SingleToInt32Bits(expected[i, j]) != BitConverter.SingleToInt32Bits(actual[i, j]))
                {
                    Assert.Fail(what + ": first difference at [" + i + ", " + j + "]: " + actual[i, j].ToString("R") +
                        " vs single-threaded " + expected[i, j].ToString("R"));
                }
            }
        }
    }

    private readonly unsafe struct AddThousand(MatrixView<float> c) : IProductEpilogue
    {
        public void Apply(int row, int rows, int column, int columns)
        {
            for (int i = row; i < row + rows; i++)
            {
                for (int j = column; j < column + columns; j++) *c.At(i, j) += 1000f;
            }
        }
    }

    // Holds a raw pointer, as jobs must (they are unmanaged structs): the array is pinned.
    private readonly unsafe struct CountParts(int[] counts) : IParallelWork
    {
        private readonly int* _counts = (int*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref counts[0]);

        public void Execute(int part) => Interlocked.Increment(ref _counts[part]);
    }
}
