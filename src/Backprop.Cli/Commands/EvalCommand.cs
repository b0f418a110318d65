using System.CommandLine;

namespace Backprop.Cli.Commands;

internal static class EvalCommand
{
    public static Command Create(ToolConsole console)
    {
        var command = new Command("eval", "(being written)");
        command.SetAction(_ => { console.Error.WriteLine("not yet"); return ExitCode.Failure; });
        return command;
    }
}
