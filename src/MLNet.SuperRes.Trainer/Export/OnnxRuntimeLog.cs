using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// Collects ONNX Runtime's own log messages (warnings and worse), so an export can prove that the
/// runtime accepted every node without complaint. ONNX Runtime has one environment per process:
/// capture works only when it is set up here, before any session exists. Messages carry the log
/// id of the session that logged them, so one session's messages can be told from another's.
/// </summary>
public static class OnnxRuntimeLog
{
    /// <summary>A warning or error ONNX Runtime logged, with the log id of its session.</summary>
    public sealed record Message(string LogId, OrtLoggingLevel Severity, string Text)
    {
        public override string ToString() => $"[{Severity}] {Text}";
    }

    private static readonly ConcurrentQueue<Message> messages = new();
    private static readonly DOrtLoggingFunction callback = Record; // kept alive for native code
    private static readonly object gate = new();
    private static bool capturing;

    /// <summary>True when this process's ONNX Runtime environment reports here.</summary>
    public static bool IsCapturing => capturing;

    /// <summary>Every warning and error logged so far.</summary>
    public static IReadOnlyList<Message> Messages => messages.ToArray();

    /// <summary>The warnings and errors logged by sessions with the given log id.</summary>
    public static IReadOnlyList<Message> MessagesOf(string logId) => messages.Where(m => m.LogId == logId).ToArray();

    /// <summary>Routes ONNX Runtime's log (warnings and up) here; false when the environment already existed without it.</summary>
    public static bool TryStartCapture()
    {
        lock (gate)
        {
            if (capturing) return true;
            if (OrtEnv.IsCreated) return false;
            var options = new EnvironmentCreationOptions
            {
                logId = "mlnet-superres",
                logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
                loggingFunction = callback,
            };
            OrtEnv.CreateInstanceWithOptions(ref options);
            capturing = true;
            return true;
        }
    }

    private static void Record(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        if (severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING)
            messages.Enqueue(new Message(logId, severity, $"{category} {codeLocation}: {message}"));
    }
}
