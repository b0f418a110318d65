using System.CommandLine;

namespace Backprop.Cli.Options;

/// <summary>The <c>--model FILE</c> option shared by the commands that read a saved model.</summary>
internal static class ModelOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "A model file in the native format (written by train --save or import).",
        Required = true,
    };
}
