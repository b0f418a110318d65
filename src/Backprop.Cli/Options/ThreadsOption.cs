using System.CommandLine;

namespace Backprop.Cli.Options;

/// <summary>
/// <c>--threads N</c> for the commands that compute: the threads of a <see cref="Simd.Threading.WorkerPool"/>, the caller
/// included; results are bit-identical for any count.
/// </summary>
internal static class ThreadsOption
{
    // Each thread is a real OS thread for the whole command: a mistyped 100000 must be refused, not started.
    public const int Maximum = 256;

    public static Option<int> Create(string description)
    {
        var option = new Option<int>("--threads")
        {
            Description = description + " Results are bit-identical for any count (1 to " + Maximum + ").",
            DefaultValueFactory = _ => 1,
        }.AtLeast(1);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out int threads) && threads > Maximum)
                result.AddError("--threads " + threads + " is more than " + Maximum + ".");
        });
        return option;
    }
}
