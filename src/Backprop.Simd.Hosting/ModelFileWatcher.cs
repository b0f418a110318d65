using Microsoft.Extensions.Logging;

namespace Backprop.Simd.Hosting;

/// <summary>
/// Reloads a served model when its file changes: a <see cref="FileSystemWatcher"/> on the file's folder, debounced so
/// that a file still being written (each write raises an event) is loaded once, after the writes have gone quiet. A
/// file renamed over the model's (an atomic replace) counts as a change. Reloads go through
/// <see cref="ServedModel.TryReload"/>, as the load endpoint's do, one at a time.
/// </summary>
internal sealed class ModelFileWatcher : IDisposable
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);

    private readonly ServedModel _model;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;

    public ModelFileWatcher(ServedModel model, ILogger logger)
    {
        _model = model;
        _logger = logger;
        string full = System.IO.Path.GetFullPath(model.Path);
        _debounce = new Timer(_ => _model.TryReload(_logger));
        _watcher = new FileSystemWatcher(System.IO.Path.GetDirectoryName(full)!, System.IO.Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        _watcher.Changed += Touched;
        _watcher.Created += Touched;
        _watcher.Renamed += Touched;
        _watcher.EnableRaisingEvents = true;
    }

    // Each event pushes the reload back, so it runs once the file has been quiet for Quiet.
    private void Touched(object sender, FileSystemEventArgs change) => _debounce.Change(Quiet, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _watcher.Dispose();
        using var stopped = new ManualResetEvent(false);
        // Waits for a reload under way, so none runs after the model's batcher is disposed.
        if (_debounce.Dispose(stopped)) stopped.WaitOne();
    }
}
