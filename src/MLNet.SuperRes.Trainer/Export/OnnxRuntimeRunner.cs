using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Engine.Attention;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// Runs an exported model in ONNX Runtime's CPU provider with full graph optimisation, with the runtime's attention
/// kernel as SuperResolve runs it, or without it: the attention function's standard-op body, as CUDA and other
/// tools run it.
/// </summary>
public sealed class OnnxRuntimeRunner : IDisposable
{
    private readonly InferenceSession session;

    /// <param name="logId">Tags this session's log messages (see <see cref="OnnxRuntimeLog"/>).</param>
    /// <param name="attentionKernel">Whether the attention function runs as the runtime's CPU kernel (else as its body).</param>
    public OnnxRuntimeRunner(byte[] model, int intraOpThreads = 0, string? logId = null, bool attentionKernel = true)
    {
        using var options = CreateOptions(intraOpThreads);
        if (logId is not null) options.LogId = logId;
        if (attentionKernel && AttentionKernel.TryRegister(options) is { } failure)
            throw new InvalidOperationException($"The attention kernel could not be registered: {failure}");
        session = new InferenceSession(model, options);
    }

    /// <summary>Session options for the CPU provider with ORT_ENABLE_ALL; 0 threads lets ONNX Runtime choose.</summary>
    public static SessionOptions CreateOptions(int intraOpThreads) => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        IntraOpNumThreads = intraOpThreads,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
    };

    /// <summary>Runs the model on a float32 [N, 3, H, W] tensor and returns the output as a CPU float32 tensor.</summary>
    public Tensor Run(Tensor input)
    {
        float[] data;
        long[] inputShape;
        using (var scope = NewDisposeScope())
        {
            var cpu = input.detach().to(ScalarType.Float32).cpu().contiguous();
            data = cpu.data<float>().ToArray();
            inputShape = cpu.shape;
        }
        var (output, shape) = Run(data, inputShape);
        return tensor(output, shape);
    }

    /// <summary>Runs the model on raw float32 data of the given shape.</summary>
    public (float[] Output, long[] Shape) Run(float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, new[] { OnnxContract.InputName }, new[] { value }, new[] { OnnxContract.OutputName });
        var result = outputs[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }

    public void Dispose() => session.Dispose();
}
