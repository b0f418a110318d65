using Microsoft.Extensions.Logging;

namespace Backprop.Simd.Hosting;

/// <summary>The hosting library's log messages, generated once so that a disabled level costs no formatting.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving model {Name} ({Inputs} inputs, {Outputs} outputs) from {Path}")]
    public static partial void ModelServed(ILogger logger, string name, int inputs, int outputs, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Refused a request for model {Name} with {Status}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string name, int status, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Reloaded model {Name} from {Path} (generation {Generation})")]
    public static partial void ModelReloaded(ILogger logger, string name, string path, long generation);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Reloading model {Name} from {Path} failed; the previous model still serves: {Reason}")]
    public static partial void ReloadFailed(ILogger logger, string name, string path, string reason);
}
