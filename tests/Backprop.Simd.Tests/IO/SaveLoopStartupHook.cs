using Backprop.Simd.Tests.IO;

// The test assembly is an executable with an empty generated Main, so a child process can run it with
// `dotnet exec Backprop.Simd.Tests.dll`. Named in DOTNET_STARTUP_HOOKS, this hook runs before that Main: when the
// save-loop variable is set it turns the process into the saver that KillDuringSaveTests kills. The runtime finds a
// startup hook only by this exact type name in the global namespace.
#pragma warning disable CA1050 // Declare types in namespaces
internal static class StartupHook
#pragma warning restore CA1050
{
    public static void Initialize()
    {
        string? target = Environment.GetEnvironmentVariable(SaveLoop.TargetVariable);
        if (target is not null) SaveLoop.Run(target);
    }
}
