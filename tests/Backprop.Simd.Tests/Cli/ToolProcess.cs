using System.Diagnostics;
using System.Runtime.InteropServices;
using Backprop.Cli;

namespace Backprop.Simd.Tests.Cli;

/// <summary>Starts the tool, or this test assembly, as a child process under the same dotnet host.</summary>
internal static class ToolProcess
{
    /// <summary>The built tool beside this test assembly.</summary>
    public static string ToolAssembly => typeof(BackpropTool).Assembly.Location;

    /// <summary>Starts <c>dotnet exec backprop.dll</c> with <paramref name="args"/>, its output and errors redirected.</summary>
    public static Process StartTool(params string[] args) => Start([ToolAssembly, .. args]);

    /// <summary>Starts <c>dotnet exec</c> with <paramref name="args"/>, its output and errors redirected.</summary>
    public static Process Start(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost(), ["exec", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Process.Start(start) ?? throw new InvalidOperationException("The child process did not start.");
    }

    // The test host normally runs under the dotnet muxer; otherwise it sits three folders above the runtime's own.
    public static string DotnetHost()
    {
        string executable = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is string process && Path.GetFileName(process) == executable) return process;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is string host && File.Exists(host)) return host;
        return Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", executable));
    }
}
