using Backprop.Simd.Benchmarks;
using BenchmarkDotNet.Running;

// Full runs: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --filter '*MatMul*' [--job short]
// Tuning loop: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --matmul-quick [shape filter, e.g. dW] [--threads 2]
// Elementwise tuning loop: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --elementwise-quick
// Prediction beside ONNX Runtime, p50/p99: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --onnx-quick [rounds]
// Step phases over time: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --step-phases [threads] [steps]
// Cross-check: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --fashion-crosscheck DIR [--seed 1] [--epochs 10]
if (args.Contains("--fashion-crosscheck"))
{
    string folder = args[Array.IndexOf(args, "--fashion-crosscheck") + 1];
    int seedAt = Array.IndexOf(args, "--seed"), epochsAt = Array.IndexOf(args, "--epochs");
    ulong seed = seedAt >= 0 ? ulong.Parse(args[seedAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 1;
    int epochs = epochsAt >= 0 ? int.Parse(args[epochsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 10;
    FashionCrossCheck.Run(folder, seed, epochs);
}
else if (args.Contains("--matmul-quick"))
{
    int at = Array.IndexOf(args, "--matmul-quick"), threadsAt = Array.IndexOf(args, "--threads");
    string filter = at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : string.Empty;
    int threads = threadsAt >= 0 ? int.Parse(args[threadsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 1;
    MatMulQuick.Run(filter, threads);
}
else if (args.Contains("--onnx-quick"))
{
    int at = Array.IndexOf(args, "--onnx-quick");
    int rounds = at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 3;
    OnnxRuntimeQuick.Run(rounds);
}
else if (args.Contains("--step-phases"))
{
    int at = Array.IndexOf(args, "--step-phases");
    int Argument(int offset, int fallback) =>
        at + offset < args.Length ? int.Parse(args[at + offset], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    StepPhases.Run(Argument(1, 2), Argument(2, 4000));
}
else if (args.Contains("--elementwise-quick"))
{
    ElementwiseQuick.Run();
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
