using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Cli;

/// <summary>
/// Packs the library and the tool into a local folder once, as the README's "Install" section does, under a version
/// no earlier run used, so that a package cached by an earlier run can never stand in for the one just packed.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        Root = Directory.CreateTempSubdirectory("backprop-package-").FullName;
        Version = string.Create(CultureInfo.InvariantCulture, $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
        Feed = Path.Combine(Root, "feed");
        foreach (string project in (string[])["src/Backprop.Simd", "src/Backprop.Cli"])
        {
            // A separate artifacts folder: the repository's own bin/ and obj/ stay as the test run built them.
            Log.Append(Dotnet.Run(RepositoryRoot, ["pack", Path.Combine(RepositoryRoot, project), "-c", "Release", "-o", Feed,
                "--artifacts-path", Path.Combine(Root, "artifacts"), "-p:Version=" + Version], nugetCache: null).Require());
        }
    }

    /// <summary>The temporary folder, outside the repository, whose Directory.Build.props must not reach a fresh app.</summary>
    public string Root { get; }

    public string Version { get; }

    /// <summary>The local package source: the .nupkg and .snupkg files.</summary>
    public string Feed { get; }

    /// <summary>What the packs printed.</summary>
    public StringBuilder Log { get; } = new();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public string Package(string id, string extension = ".nupkg") => Path.Combine(Feed, id + "." + Version + extension);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Backprop.Simd.sln"))) return folder.FullName;
        throw new DirectoryNotFoundException("Backprop.Simd.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Issue 15, "Package": what a .NET user does with the packages — installs the tool from a local folder and trains with
/// it, and builds a fresh console app, outside the repository, against the library package that trains and predicts —
/// so that the install path cannot rot. Slow: it packs, restores and builds (about a minute).
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class PackageInstallTests(PackedFeed packed, ITestOutputHelper output) : IClassFixture<PackedFeed>
{
    private const int MaxToolPackageBytes = 5 << 20;

    [Fact]
    public void The_library_package_carries_its_readme_licence_icon_repository_and_symbols()
    {
        string library = packed.Package("Backprop.Simd");
        Assert.True(File.Exists(packed.Package("Backprop.Simd", ".snupkg")), "no symbols package beside " + library + "\n" + packed.Log);
        using ZipArchive archive = ZipFile.OpenRead(library);
        string[] entries = [.. archive.Entries.Select(entry => entry.FullName)];
        foreach (string expected in (string[])["PACKAGE.md", "LICENSE", "icon.png", "lib/net10.0/Backprop.Simd.dll", "lib/net10.0/Backprop.Simd.xml"])
            Assert.Contains(expected, entries);
        XElement metadata = Nuspec(archive);
        Assert.Equal("PACKAGE.md", Element(metadata, "readme"));
        Assert.Equal("MIT", Element(metadata, "license"));
        Assert.Equal("icon.png", Element(metadata, "icon"));
        Assert.StartsWith("https://github.com/", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value,
            StringComparison.Ordinal);
        Assert.True(Element(metadata, "description").Length > 80, "the description says too little");
    }

    [Fact]
    public void The_tool_installs_from_the_local_folder_and_trains()
    {
        string tool = packed.Package("Backprop.Simd.Tool");
        long bytes = new FileInfo(tool).Length;
        output.WriteLine($"{Path.GetFileName(tool)}: {bytes:N0} bytes");
        Assert.True(bytes < MaxToolPackageBytes, $"the tool package has {bytes:N0} bytes");

        string tools = Path.Combine(packed.Root, "tools");
        Run(packed.Root, ["tool", "install", "--tool-path", tools, "--add-source", packed.Feed, "Backprop.Simd.Tool",
            "--version", packed.Version]);
        string backprop = Path.Combine(tools, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "backprop.exe" : "backprop");
        Assert.Contains("backprop " + packed.Version + " (SIMD: ", Run(packed.Root, ["--version"], backprop));
        string plot = Path.Combine(packed.Root, "curves.svg");
        string train = Run(packed.Root, ["train", "--epochs", "2", "--plot", plot], backprop);
        Assert.Contains("epoch 2/2", train);
        Assert.Matches(ValidationAccuracy(), train);
        Assert.Equal("svg", XDocument.Load(plot).Root!.Name.LocalName);
    }

    [Fact]
    public void A_fresh_console_app_trains_and_predicts_with_the_library_package()
    {
        string app = Path.Combine(packed.Root, "FreshApp");
        Assert.False(app.StartsWith(PackedFeed.RepositoryRoot, StringComparison.Ordinal), "the app must be built outside the repository");
        Run(packed.Root, ["new", "console", "-o", app, "-n", "FreshApp", "--no-restore"]);
        // The local folder beside the sources configured for this user (nuget.org, or a mirror of it).
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="backprop-local" value="{packed.Feed}" />
              </packageSources>
            </configuration>
            """);
        Run(app, ["add", "package", "Backprop.Simd", "--version", packed.Version]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), PackageReadmeExample());
        string printed = Run(app, ["run", "-c", "Release"]);

        Match accuracy = ValidationAccuracy().Match(printed);
        Assert.True(accuracy.Success, "no accuracy line in:\n" + printed);
        double value = double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(value >= 0.9, "validation accuracy " + value + " after 30 epochs of the package example");
        Assert.Matches(@"first held-out image: predicted \d, label \d", printed);
        string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.Contains("\"Backprop.Simd/" + packed.Version + "\"", assets);
    }

    // The example nuget.org shows: PACKAGE.md's one C# block, run as the whole Program.cs.
    private static string PackageReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "src", "Backprop.Simd", "PACKAGE.md"));
        return CSharpBlock().Matches(readme).Single().Groups[1].Value;
    }

    private string Run(string folder, string[] arguments, string? executable = null)
    {
        ProcessResult result = Dotnet.Run(folder, arguments, Path.Combine(packed.Root, "nuget-packages"), executable);
        output.WriteLine(result.ToString());
        return result.Require();
    }

    private static XElement Nuspec(ZipArchive archive)
    {
        ZipArchiveEntry entry = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = entry.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Element(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

    [GeneratedRegex(@"validation accuracy (\d\.\d+)")]
    private static partial Regex ValidationAccuracy();

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}

/// <summary>One finished child process: the command line, its exit code and everything it printed.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string Output)
{
    /// <summary>The output, or a failure that shows the command and its output.</summary>
    public string Require() => ExitCode == 0 ? Output
        : throw new Xunit.Sdk.XunitException($"'{CommandLine}' exited with {ExitCode}:\n{Output}");

    public override string ToString() => $"$ {CommandLine}  (exit {ExitCode})\n{Output}";
}

/// <summary>Runs the dotnet CLI (or a tool it installed) as a user's shell would.</summary>
internal static class Dotnet
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs <paramref name="executable"/> (default: the dotnet host running this test) in <paramref name="folder"/>;
    /// with <paramref name="nugetCache"/>, NuGet restores into that folder instead of the user's package cache.
    /// </summary>
    public static ProcessResult Run(string folder, string[] arguments, string? nugetCache, string? executable = null)
    {
        string host = Host();
        var start = new ProcessStartInfo(executable ?? host, arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // The test runner's MSBuild settings describe its own build, not the one a user starts.
        foreach (string name in start.Environment.Keys.Where(key => key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToArray())
            start.Environment.Remove(name);
        start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(host);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        if (nugetCache is not null) start.Environment["NUGET_PACKAGES"] = nugetCache;

        string commandLine = Path.GetFileName(start.FileName) + " " + string.Join(" ", arguments);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + commandLine);
        process.StandardInput.Close();
        var printed = new StringBuilder();
        DataReceivedEventHandler collect = (_, line) =>
        {
            if (line.Data is null) return;
            lock (printed) printed.AppendLine(line.Data);
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{commandLine}' ran longer than {Timeout.TotalMinutes} minutes:\n{printed}");
        }
        process.WaitForExit();
        lock (printed) return new ProcessResult(commandLine, process.ExitCode, printed.ToString());
    }

    // The test host normally runs under the dotnet muxer; otherwise it sits three folders above the runtime's own.
    private static string Host()
    {
        string executable = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is string process && Path.GetFileName(process) == executable) return process;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is string host && File.Exists(host)) return host;
        return Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", executable));
    }
}
