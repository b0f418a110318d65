using System.CommandLine;
using System.CommandLine.Parsing;

namespace Backprop.Cli.Options;

/// <summary>
/// An option whose value is one name out of a fixed table (case-insensitive), anything else being bad usage. The option
/// itself holds the name, so that help shows the names and the default as the user types them.
/// </summary>
internal sealed class Choice<T>
{
    private readonly IReadOnlyDictionary<string, T> _table;

    public Choice(string name, string description, IReadOnlyDictionary<string, T> table, string? defaultName)
    {
        _table = table;
        Option = new Option<string>(name)
        {
            Description = description,
            HelpName = string.Join('|', table.Keys),
        };
        if (defaultName is not null) Option.DefaultValueFactory = _ => defaultName;
        Option.Validators.Add(result => Validate(result, table));
    }

    public Option<string> Option { get; }

    /// <summary>The chosen value; null-free after parsing succeeded, since the validator rejected unknown names.</summary>
    public T Get(ParseResult parsed) => _table[parsed.GetValue(Option)!];

    /// <summary>Whether the user gave the option (rather than its default applying).</summary>
    public bool IsGiven(ParseResult parsed) => parsed.GetResult(Option) is { Implicit: false };

    private static void Validate(OptionResult result, IReadOnlyDictionary<string, T> table)
    {
        string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (result.Implicit || table.ContainsKey(text)) return;
        result.AddError("'" + text + "' is not a valid value for " + result.Option.Name + "; expected one of: "
            + string.Join(", ", table.Keys) + ".");
    }
}
