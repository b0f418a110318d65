namespace Backprop.Cli;

/// <summary>Where the tool writes: results to <paramref name="Output"/>, errors to <paramref name="Error"/>.</summary>
/// <param name="Output">Standard output (results, summaries, help).</param>
/// <param name="Error">Standard error (one line per error).</param>
/// <param name="Interactive">Whether <paramref name="Output"/> is a terminal, so progress bars may redraw a line.</param>
internal sealed record ToolConsole(TextWriter Output, TextWriter Error, bool Interactive);
