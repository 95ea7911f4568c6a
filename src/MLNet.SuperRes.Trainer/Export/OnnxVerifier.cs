using MLNet.SuperRes.Trainer.Archs;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>How far ONNX Runtime's output is from TorchSharp's on the same input.</summary>
/// <param name="RuntimeWarnings">What ONNX Runtime logged (warnings and up) while loading and running the model; null when its log is not captured in this process.</param>
public sealed record OnnxComparison(double MaxAbsDifference, double MeanAbsDifference, long[] OutputShape, IReadOnlyList<OnnxRuntimeLog.Message>? RuntimeWarnings);

/// <summary>Compares an exported model, run by ONNX Runtime, with the TorchSharp network it came from.</summary>
public static class OnnxVerifier
{
    /// <summary>The largest max-abs difference an export may show.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Runs both on <paramref name="input"/> (float32 [N, 3, H, W] in [0, 1]) and measures the difference.</summary>
    /// <param name="attentionKernel">Whether ONNX Runtime runs the attention function as the runtime's CPU kernel (else as its body).</param>
    public static OnnxComparison Compare(Hspan model, byte[] onnxModel, Tensor input, bool attentionKernel = true)
    {
        using var scope = NewDisposeScope();
        var logId = $"verify-{Guid.NewGuid():N}";
        Tensor actual;
        using (var runner = new OnnxRuntimeRunner(onnxModel, logId: logId, attentionKernel: attentionKernel)) actual = runner.Run(input);
        Tensor expected;
        bool wasTraining = model.training;
        model.eval();
        var device = model.parameters().First().device;
        using (no_grad()) expected = model.Upscale(input.to(ScalarType.Float32).to(device)).cpu();
        if (wasTraining) model.train();

        if (!expected.shape.SequenceEqual(actual.shape))
            throw new InvalidOperationException($"ONNX output shape [{string.Join(", ", actual.shape)}] differs from TorchSharp's [{string.Join(", ", expected.shape)}].");
        var difference = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        var warnings = OnnxRuntimeLog.IsCapturing ? OnnxRuntimeLog.MessagesOf(logId) : null;
        return new OnnxComparison(difference.max().item<double>(), difference.mean().item<double>(), actual.shape, warnings);
    }

    /// <summary>A reproducible random image batch in [0, 1].</summary>
    public static Tensor RandomInput(long batch, long height, long width, long seed = 20230525)
    {
        using var generator = new Generator((ulong)seed);
        return rand(new[] { batch, 3, height, width }, generator: generator);
    }
}
