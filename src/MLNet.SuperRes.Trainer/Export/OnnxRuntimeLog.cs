using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// Collects ONNX Runtime's own log messages (warnings and worse), so an export can prove that the
/// runtime accepted every node without complaint. ONNX Runtime has one environment per process:
/// capture works only when it is set up here, before any session exists.
/// </summary>
public static class OnnxRuntimeLog
{
    private static readonly ConcurrentQueue<string> messages = new();
    private static readonly DOrtLoggingFunction callback = Record; // kept alive for native code
    private static bool capturing;

    /// <summary>True when this process's ONNX Runtime environment reports to <see cref="Messages"/>.</summary>
    public static bool IsCapturing => capturing;

    /// <summary>Warnings and errors logged so far.</summary>
    public static IReadOnlyList<string> Messages => messages.ToArray();

    /// <summary>Routes ONNX Runtime's log (warnings and up) here; false when the environment already existed.</summary>
    public static bool TryStartCapture()
    {
        if (capturing) return true;
        if (OrtEnv.IsCreated) return false;
        var options = new EnvironmentCreationOptions
        {
            logId = "mlnet-superres-export",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = callback,
        };
        OrtEnv.CreateInstanceWithOptions(ref options);
        capturing = true;
        return true;
    }

    public static void Clear() => messages.Clear();

    private static void Record(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        if (severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING)
            messages.Enqueue($"[{severity}] {category} {codeLocation}: {message}");
    }
}
