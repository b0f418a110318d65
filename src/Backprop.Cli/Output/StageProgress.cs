namespace Backprop.Cli.Output;

/// <summary>
/// Progress through a known number of stages, such as <c>bench</c>'s measurements: the bar counts finished stages and
/// names the one running. Without a terminal (<paramref name="bar"/> null) it draws nothing.
/// </summary>
internal sealed class StageProgress(ProgressBar? bar, string label, int total)
{
    private int _done;

    public void Start(string stage)
    {
        if (bar is null) return;
        bar.Begin(label, _done, total).Append("  ").Append(stage);
        bar.Draw();
    }

    public void Finish() => _done++;

    public void Clear() => bar?.Clear();
}
