using System.Runtime.CompilerServices;

namespace MLNet.SuperRes.Trainer.Tests.Infrastructure;

/// <summary>
/// With SUPERRES_FINALIZER_PRESSURE=1 the test host collects garbage and runs finalizers without pause
/// on a thread of its own. A TorchSharp tensor or scalar that is reachable only from the stack while
/// its native call runs is then freed under that call almost every time instead of once in a few
/// runs, so a lifetime bug shows up as a crash in one run (tests/repeat-trainer-tests.sh --stress).
/// </summary>
internal static class FinalizerPressure
{
    public const string Variable = "SUPERRES_FINALIZER_PRESSURE";

    [ModuleInitializer]
    internal static void StartWhenAsked()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1") return;
        var thread = new Thread(() =>
        {
            while (true)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "finalizer pressure" };
        thread.Start();
    }
}
