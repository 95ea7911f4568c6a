using System.Reflection;
using Xunit.Sdk;
using TorchSharp;

[assembly: MLNet.SuperRes.Trainer.Tests.Infrastructure.TensorsDisposed]

namespace MLNet.SuperRes.Trainer.Tests.Infrastructure;

/// <summary>
/// Fails a test that leaves a tensor it created to the finalizer: a tensor freed by the finalizer thread
/// can be freed while a native call on another thread still uses it, which crashed the test host
/// (docs/TORCHSHARP-LIFETIMES.md). TorchSharp counts live tensors per creating thread; a synchronous test
/// runs on one thread from <see cref="Before"/> to <see cref="After"/>, so the count must not grow in
/// between. The test class's own fields are made before and freed after (its constructor and Dispose).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class TensorsDisposedAttribute : BeforeAfterTestAttribute
{
    [ThreadStatic] private static long liveBefore;
    [ThreadStatic] private static bool measuring;

    public override void Before(MethodInfo methodUnderTest)
    {
        liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        measuring = true;
    }

    public override void After(MethodInfo methodUnderTest)
    {
        if (!measuring) return; // an asynchronous test ended on another thread than it began
        measuring = false;
        long left = DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore;
        if (left > 0)
            throw new InvalidOperationException(
                $"{methodUnderTest.DeclaringType?.Name}.{methodUnderTest.Name} left {left} tensor(s) it created undisposed: " +
                "run its TorchSharp work in a dispose scope (torch.NewDisposeScope()) or dispose what it keeps.");
    }
}
