using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Backprop.Cli.Commands;
using Backprop.Simd.Data;
using Backprop.Simd.Distributed;
using Backprop.Simd.IO;
using Backprop.Simd.Kernels;
using Backprop.Simd.Training;

namespace Backprop.Cli;

/// <summary>The <c>backprop</c> command tree, and the one place that turns failures into exit codes and messages.</summary>
internal static class BackpropTool
{
    /// <summary>Shows the stack trace of a failure; every subcommand accepts it.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print more detail, and the stack trace of an error.",
        Recursive = true,
    };

    /// <summary>Runs the tool in-process and returns its exit code (<see cref="ExitCode"/>).</summary>
    public static int Run(string[] args, ToolConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        RootCommand root = CreateRoot(console);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && !ShowsHelp(parsed))
        {
            var messages = new List<string>();
            foreach (var error in parsed.Errors) messages.Add(OneLine(error.Message));
            console.Error.WriteLine("backprop: " + string.Join(" ", messages) + " (see backprop --help)");
            return ExitCode.Usage;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = console.Output,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception exception)
        {
            if (exception is OutOfMemoryException and not InsufficientMemoryException)
                exception = new InsufficientMemoryException("Not enough memory for this network, batch or data set ("
                    + exception.Message + ")", exception);
            int code = ExitCodeFor(exception);
            string kind = code == ExitCode.Failure && !IsExpected(exception) ? "internal error: " + exception.GetType().Name + ": " : "";
            console.Error.WriteLine("backprop: " + kind + OneLine(exception.Message));
            if (parsed.GetValue(Verbose)) console.Error.WriteLine(exception.ToString());
            return code;
        }
    }

    /// <summary>The version line: informational version and the SIMD variant the kernels dispatch to.</summary>
    public static string VersionLine()
    {
        string version = typeof(BackpropTool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion ?? "0.0.0";
        int metadata = version.IndexOf('+', StringComparison.Ordinal);
        if (metadata >= 0) version = version[..metadata];
        return "backprop " + version + " (SIMD: " + SimdSupport.Active + ", best supported: " + SimdSupport.Best
            + ", .NET " + Environment.Version + ")";
    }

    private static RootCommand CreateRoot(ToolConsole console)
    {
        var root = new RootCommand("Train and run feed-forward neural networks by backpropagation on the CPU.");
        root.Options.Add(Verbose);
        for (int i = 0; i < root.Options.Count; i++)
            if (root.Options[i] is VersionOption version) version.Action = new VersionAction();
        root.Subcommands.Add(TrainCommand.Create(console));
        root.Subcommands.Add(EvalCommand.Create(console));
        root.Subcommands.Add(PredictCommand.Create(console));
        root.Subcommands.Add(InfoCommand.Create(console));
        root.Subcommands.Add(BenchCommand.Create(console));
        root.Subcommands.Add(ExportCommand.Create(console));
        root.Subcommands.Add(ImportCommand.Create(console));
        root.Subcommands.Add(ServeCommand.Create(console));
        return root;
    }

    // "backprop" alone reports a missing command as an error, but help must still work on any command line.
    private static bool ShowsHelp(ParseResult parsed) =>
        parsed.Action is System.CommandLine.Help.HelpAction;

    private static int ExitCodeFor(Exception exception) => exception switch
    {
        UsageException or ArgumentException => ExitCode.Usage,
        _ => ExitCode.Failure,
    };

    private static bool IsExpected(Exception exception) => exception is UsageException or ArgumentException
        or IOException or UnauthorizedAccessException or DataFormatException or DatasetNotInstalledException
        or ModelFormatException or NonFiniteTrainingException or InvalidDataException or InsufficientMemoryException
        or MpiException;

    // A message may quote the input (a cell, a name, a JSON fragment); a hostile file must not make it megabytes long.
    private const int MaxMessageLength = 1000;

    private static string OneLine(string message)
    {
        string line = message.ReplaceLineEndings(" ").Trim();
        return line.Length <= MaxMessageLength ? line
            : string.Concat(line.AsSpan(0, MaxMessageLength), "… (", line.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), " characters)");
    }

    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(VersionLine());
            return ExitCode.Success;
        }
    }
}
