namespace Backprop.Cli;

/// <summary>Where the tool writes: results to <paramref name="Output"/>, errors to <paramref name="Error"/>.</summary>
/// <param name="Output">Standard output (results, summaries, help).</param>
/// <param name="Error">Standard error (one line per error).</param>
/// <param name="Interactive">Whether <paramref name="Output"/> is a terminal, so progress bars may redraw a line.</param>
/// <param name="Columns">The terminal's width in characters, which a progress bar must not exceed.</param>
internal sealed record ToolConsole(TextWriter Output, TextWriter Error, bool Interactive, int Columns = 80)
{
    /// <summary>The process's own console: a terminal when standard output is not redirected.</summary>
    public static ToolConsole FromProcess()
    {
        bool interactive = !Console.IsOutputRedirected;
        return new ToolConsole(Console.Out, Console.Error, interactive, interactive ? TerminalColumns() : 80);
    }

    // A pseudo-terminal may report no size (0 columns); 80 is what every terminal can show.
    private static int TerminalColumns()
    {
        try
        {
            int columns = Console.WindowWidth;
            return columns > 0 ? columns : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
