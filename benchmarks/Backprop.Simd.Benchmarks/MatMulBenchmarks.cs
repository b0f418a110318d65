using System.Globalization;
using System.Numerics.Tensors;
using Backprop.Simd.Kernels;
using Backprop.Simd.Threading;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// The products of one training step, blocked kernel against two baselines: the naive triple loop and one
/// TensorPrimitives.Dot per output element (over a transposed copy made once in setup, so it reads contiguous rows).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class MatMulBenchmarks
{
    private float[,] _rightTransposed = new float[0, 0];
    private MatMulShape _shape = MatMulShape.All[0];
    private WorkerPool? _pool;

    public static IEnumerable<string> Shapes => MatMulShape.All.Select(s => s.Name);

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = MatMulShape.All[0].Name;

    [GlobalSetup]
    public void Setup()
    {
        _shape = MatMulShape.Named(Shape);
        // Dot wants B(·, j) contiguous: rows of B for A·Bᵀ, else columns of B gathered once here.
        float[,] right = _shape.Right;
        _rightTransposed = _shape.Form == MatMulForm.TransposedB ? right : Transpose(right);
        _pool = new WorkerPool(2);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool?.Dispose();

    [Benchmark(Baseline = true)]
    public void Blocked() => _shape.Run(SimdSupport.Active);

    [Benchmark]
    public void BlockedTwoThreads() => _shape.Run(SimdSupport.Active, _pool);

    [Benchmark]
    public void Naive() => _shape.Run(SimdVariant.Scalar);

    [Benchmark]
    public void DotPerElement()
    {
        var (left, right, destination) = (_shape.Left, _rightTransposed, _shape.Destination);
        int k = _shape.K;
        bool leftTransposed = _shape.Form == MatMulForm.TransposedA;
        Span<float> column = stackalloc float[k];
        for (int i = 0; i < _shape.M; i++)
        {
            ReadOnlySpan<float> row = leftTransposed ? Column(left, i, column) : Row(left, i, k);
            for (int j = 0; j < _shape.N; j++) destination[i, j] = TensorPrimitives.Dot(row, Row(right, j, k));
        }
    }

    private static ReadOnlySpan<float> Row(float[,] matrix, int row, int width) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref matrix[row, 0], width);

    private static ReadOnlySpan<float> Column(float[,] matrix, int column, Span<float> buffer)
    {
        for (int p = 0; p < buffer.Length; p++) buffer[p] = matrix[p, column];
        return buffer;
    }

    private static float[,] Transpose(float[,] matrix)
    {
        var result = new float[matrix.GetLength(1), matrix.GetLength(0)];
        for (int i = 0; i < matrix.GetLength(0); i++)
        {
            for (int j = 0; j < matrix.GetLength(1); j++) result[j, i] = matrix[i, j];
        }

        return result;
    }

    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn());
    }

    /// <summary>2·M·N·K divided by the median time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Billions of floating-point operations (2·M·N·K) per second at the median time";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null || benchmarkCase.Parameters["Shape"] is not string name) return "-";
            return (MatMulShape.Named(name).Flops / statistics.Median).ToString("F1", CultureInfo.InvariantCulture);
        }
    }
}
