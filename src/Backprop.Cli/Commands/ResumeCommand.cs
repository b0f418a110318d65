using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;

namespace Backprop.Cli.Commands;

/// <summary>
/// The command line that continues an interrupted <c>train</c>: the same arguments (a resumed run must see the same
/// data, batch and seed) with <c>--resume</c> pointing at the checkpoint, quoted for a POSIX shell.
/// </summary>
internal static class ResumeCommand
{
    public static string For(ParseResult parsed, string checkpoint, int ranks = 1)
    {
        var line = new StringBuilder(ranks > 1 ? "mpirun -np " + ranks.ToString(CultureInfo.InvariantCulture) + " backprop" : "backprop");
        IReadOnlyList<Token> tokens = parsed.Tokens;
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i].Value;
            if (token == "--resume")
            {
                i++;
                continue;
            }
            if (token.StartsWith("--resume=", StringComparison.Ordinal)) continue;
            line.Append(' ').Append(Quoted(token));
        }
        return line.Append(" --resume ").Append(Quoted(checkpoint)).ToString();
    }

    private static string Quoted(string word)
    {
        bool plain = word.Length > 0;
        foreach (char c in word) plain &= char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal);
        return plain ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
