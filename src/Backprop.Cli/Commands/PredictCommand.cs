using System.CommandLine;

namespace Backprop.Cli.Commands;

internal static class PredictCommand
{
    public static Command Create(ToolConsole console)
    {
        var command = new Command("predict", "(being written)");
        command.SetAction(_ => { console.Error.WriteLine("not yet"); return ExitCode.Failure; });
        return command;
    }
}
