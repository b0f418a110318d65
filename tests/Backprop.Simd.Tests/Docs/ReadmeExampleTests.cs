using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace Backprop.Simd.Tests.Docs;

/// <summary>Runs alone: the examples write their files into the current folder, which is process-wide.</summary>
[CollectionDefinition(nameof(ReadmeExamples), DisableParallelization = true)]
public sealed class ReadmeExamples;

/// <summary>
/// Every <c>```csharp</c> block of README.md is a whole program: it must compile against the library with the SDK's
/// implicit usings and warnings as errors, and run to the end in a fresh folder. A block that needs data a test machine
/// lacks says so in an HTML comment <c>&lt;!-- compile only: why --&gt;</c> on the line above its fence.
/// </summary>
[Collection(nameof(ReadmeExamples))]
public partial class ReadmeExampleTests(ITestOutputHelper output)
{
    private const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; "
        + "global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    public static TheoryData<int> Blocks() => new(Enumerable.Range(0, ReadBlocks().Count));

    [Fact]
    public void The_readme_has_examples() => Assert.True(ReadBlocks().Count >= 8, "README lost its examples");

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Readme_example_compiles_and_runs(int index)
    {
        Example example = ReadBlocks()[index];
        var compilation = CSharpCompilation.Create("ReadmeExample" + index,
            [CSharpSyntaxTree.ParseText(ImplicitUsings), CSharpSyntaxTree.ParseText(example.Code)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error, allowUnsafe: false));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        string[] problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString()).ToArray();
        Assert.True(result.Success && problems.Length == 0,
            $"README line {example.Line}: the example does not compile:\n" + string.Join("\n", problems));
        if (example.CompileOnly is { } reason)
        {
            output.WriteLine($"README line {example.Line}: compiled; not run ({reason})");
            return;
        }

        string folder = Directory.CreateTempSubdirectory("readme-example-").FullName;
        string previous = Environment.CurrentDirectory;
        TextWriter console = Console.Out;
        var printed = new StringWriter();
        var context = new AssemblyLoadContext("readme-example", isCollectible: true);
        try
        {
            Environment.CurrentDirectory = folder;
            Console.SetOut(printed);
            image.Position = 0;
            MethodInfo entry = context.LoadFromStream(image).EntryPoint!;
            entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = previous;
            context.Unload();
            Directory.Delete(folder, recursive: true);
        }
        output.WriteLine($"README line {example.Line} printed:\n{printed}");
    }

    private sealed record Example(int Line, string Code, string? CompileOnly);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToArray());

    private static List<Example> ReadBlocks()
    {
        string[] lines = File.ReadAllLines(ReadmePath());
        var blocks = new List<Example>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            int start = i + 1, end = start;
            while (lines[end].Trim() != "```") end++;
            Match note = i > 0 ? CompileOnlyNote().Match(lines[i - 1]) : Match.Empty;
            blocks.Add(new Example(start + 1, string.Join("\n", lines[start..end]), note.Success ? note.Groups[1].Value : null));
            i = end;
        }
        return blocks;
    }

    private static string ReadmePath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(folder.FullName, "Backprop.Simd.sln"))) return candidate;
        }
        throw new FileNotFoundException("README.md not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"<!--\s*compile only:\s*(.+?)\s*-->")]
    private static partial Regex CompileOnlyNote();
}
