namespace Backprop.Cli;

/// <summary>A command line that parsed but makes no sense (e.g. <c>--test-data</c> without CSV data); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
