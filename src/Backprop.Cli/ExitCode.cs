namespace Backprop.Cli;

/// <summary>The process exit codes the tool documents.</summary>
internal static class ExitCode
{
    public const int Success = 0;

    /// <summary>The command was well formed but failed: a missing or corrupt file, a training failure.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself was wrong: unknown option, bad option value, missing required option.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it), after saving what was asked.</summary>
    public const int Interrupted = 130;
}
