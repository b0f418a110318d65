using Backprop.Simd.Benchmarks;
using BenchmarkDotNet.Running;

// Full runs: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --filter '*MatMul*' [--job short]
// Tuning loop: dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --matmul-quick [shape filter, e.g. dW]
if (args.Contains("--matmul-quick"))
{
    int at = Array.IndexOf(args, "--matmul-quick");
    MatMulQuick.Run(at + 1 < args.Length ? args[at + 1] : string.Empty);
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
