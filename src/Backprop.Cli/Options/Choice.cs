using System.CommandLine;
using System.CommandLine.Parsing;

namespace Backprop.Cli.Options;

/// <summary>Options whose value is one name out of a fixed table, reported as bad usage otherwise.</summary>
internal static class Choice
{
    /// <summary>An option accepting the names of <paramref name="table"/> (case-insensitive).</summary>
    public static Option<T> Create<T>(string name, string description, IReadOnlyDictionary<string, T> table, string defaultName)
    {
        var option = new Option<T>(name)
        {
            Description = description + " One of: " + string.Join(", ", table.Keys) + " (default " + defaultName + ").",
            DefaultValueFactory = _ => table[defaultName],
            CustomParser = result => Parse(result, table),
        };
        option.CompletionSources.Add(table.Keys.ToArray());
        return option;
    }

    private static T Parse<T>(ArgumentResult result, IReadOnlyDictionary<string, T> table)
    {
        string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (table.TryGetValue(text.ToLowerInvariant(), out T? value)) return value;
        result.AddError("'" + text + "' is not a valid value for " + OptionName(result) + "; expected one of: "
            + string.Join(", ", table.Keys) + ".");
        return default!;
    }

    /// <summary>The option an argument belongs to, for error messages.</summary>
    public static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
