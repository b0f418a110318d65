using Backprop.Simd.Inference;
using Backprop.Simd.IO;
using Backprop.Simd.IO.Onnx;
using Backprop.Simd.Model;
using Backprop.Simd.Threading;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;
using Microsoft.ML.OnnxRuntime;

namespace Backprop.Simd.Benchmarks;

/// <summary>
/// W1 prediction (784-256-128-10 ReLU, float32) side by side with ONNX Runtime on the same model, the same inputs and
/// the same thread (and on two: our session with a two-thread pool, ONNX Runtime with two intra-op threads), at batch
/// 1, 128 and 1024: ours through a frozen model's session (float and bfloat16 weights), ONNX
/// Runtime through the file <see cref="OnnxModel.Export"/> writes, run on one intra-op thread (sequential execution,
/// every graph optimisation) into preallocated tensors, through <c>Run</c> with OrtValues and through an IoBinding:
/// its two fastest calls for a fixed shape.
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --filter '*OnnxRuntime*'</c>, or
/// <c>-- --onnx-quick [rounds]</c> for p50/p99 in a minute (<see cref="OnnxRuntimeQuick"/>).
/// </remarks>
[MemoryDiagnoser]
public class OnnxRuntimeComparison : IDisposable
{
    private static readonly int[] Widths = [784, 256, 128, 10];
    private float[] _input = null!, _output = null!;
    private InferenceSession<float> _session = null!, _half = null!, _shared = null!, _halfShared = null!;
    private WorkerPool _pool = null!;
    private Microsoft.ML.OnnxRuntime.InferenceSession _onnx = null!, _onnxTwo = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _onnxInputs = null!, _onnxOutputs = null!;
    private string[] _inputNames = null!, _outputNames = null!;
    private OrtIoBinding _binding = null!, _bindingTwo = null!;

    [Params(1, 128, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var network = new Network<float>(Widths[0],
            [new Dense(Widths[1], Activation.Relu), new Dense(Widths[2], Activation.Relu), new Dense(Widths[3])], seed: 1);
        _session = FrozenModel<float>.From(network).CreateSession(Batch);
        _half = FrozenModel<float>.From(network, WeightFormat.BFloat16).CreateSession(Batch);
        _pool = new WorkerPool(2);
        _shared = FrozenModel<float>.From(network).CreateSession(Batch);
        _shared.Pool = _pool;
        _halfShared = FrozenModel<float>.From(network, WeightFormat.BFloat16).CreateSession(Batch);
        _halfShared.Pool = _pool;
        var random = new Random(2);
        _input = new float[Batch * Widths[0]];
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)random.NextDouble();
        _output = new float[Batch * Widths[^1]];

        byte[] onnx = OnnxModel.Export(ModelMapping.Describe(network, LossKind.SoftmaxCrossEntropy));
        _onnx = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx, Options(threads: 1));
        _onnxTwo = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx, Options(threads: 2));
        _runOptions = new RunOptions();
        _inputNames = [.. _onnx.InputNames];
        _outputNames = [.. _onnx.OutputNames];
        _onnxInputs = [OrtValue.CreateTensorValueFromMemory(_input, [Batch, Widths[0]])];
        _onnxOutputs = [OrtValue.CreateTensorValueFromMemory(_output, [Batch, Widths[^1]])];
        _binding = _onnx.CreateIoBinding();
        _binding.BindInput(_inputNames[0], _onnxInputs[0]);
        _binding.BindOutput(_outputNames[0], _onnxOutputs[0]);
        _bindingTwo = _onnxTwo.CreateIoBinding();
        _bindingTwo.BindInput(_inputNames[0], _onnxInputs[0]);
        _bindingTwo.BindOutput(_outputNames[0], _onnxOutputs[0]);
    }

    private static SessionOptions Options(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    [Benchmark(Baseline = true)]
    public void BackpropSimd() =>
        _session.Predict(new ReadOnlySpan2D<float>(_input, Batch, Widths[0]), new Span2D<float>(_output, Batch, Widths[^1]));

    [Benchmark]
    public void BackpropSimdBFloat16() =>
        _half.Predict(new ReadOnlySpan2D<float>(_input, Batch, Widths[0]), new Span2D<float>(_output, Batch, Widths[^1]));

    [Benchmark]
    public void BackpropSimdTwoThreads() =>
        _shared.Predict(new ReadOnlySpan2D<float>(_input, Batch, Widths[0]), new Span2D<float>(_output, Batch, Widths[^1]));

    [Benchmark]
    public void BackpropSimdBFloat16TwoThreads() =>
        _halfShared.Predict(new ReadOnlySpan2D<float>(_input, Batch, Widths[0]), new Span2D<float>(_output, Batch, Widths[^1]));

    [Benchmark]
    public void OnnxRuntime() => _onnx.Run(_runOptions, _inputNames, _onnxInputs, _outputNames, _onnxOutputs);

    [Benchmark]
    public void OnnxRuntimeIoBinding() => _onnx.RunWithBinding(_runOptions, _binding);

    [Benchmark]
    public void OnnxRuntimeIoBindingTwoThreads() => _onnxTwo.RunWithBinding(_runOptions, _bindingTwo);

    [GlobalCleanup]
    public void Dispose()
    {
        foreach (OrtValue value in (OrtValue[])[.. _onnxInputs, .. _onnxOutputs]) value.Dispose();
        _binding.Dispose();
        _bindingTwo.Dispose();
        _onnxTwo.Dispose();
        _pool.Dispose();
        _runOptions.Dispose();
        _onnx.Dispose();
        GC.SuppressFinalize(this);
    }
}
