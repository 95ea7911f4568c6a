using MLNet.SuperRes.Evaluation;

namespace MLNet.SuperRes.Tests.Evaluation;

/// <summary>
/// Scoring an ONNX model needs the runtime, ONNX Runtime and ImageSharp, never TorchSharp or libtorch:
/// this test project references only the runtime and the evaluation library, and runs them.
/// </summary>
public class EvaluationWithoutTorchTests
{
    [Fact]
    public void TheEvaluationLibraryReferencesNoTorch()
    {
        var references = typeof(Evaluator).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("MLNet.SuperRes", references);
        Assert.DoesNotContain(references, name => name.Contains("Torch", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TheDefaultModelIsScoredWithNoTorchFileInTheBuildOutput()
    {
        var torchFiles = Directory.EnumerateFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(name => name!.Contains("torch", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.Empty(torchFiles);

        using var model = new OnnxModelUpscaler("default", 2);
        var score = new Evaluator(model).EvaluateImage(Path.Combine(SharedData.Data, "Set5", "baby.png"));
        Assert.True(score.Psnr > 37, $"default x2 on baby: {score.Psnr:F2} dB");
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name!.Contains("Torch", StringComparison.OrdinalIgnoreCase));
    }
}
