using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Engine.Attention;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Evaluation.Images;
using Xunit;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests.Engine.Attention;

/// <summary>
/// The embedded defaults call the attention function, and SuperResolver on the CPU runs it as the runtime's
/// kernel: the same images as its standard-op body gives, to within a level on a few values, the same scores.
/// </summary>
public sealed class AttentionKernelStageTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, ModelPrecision.Float32)]
    [InlineData(3, ModelPrecision.Float32)]
    [InlineData(4, ModelPrecision.Float32)]
    [InlineData(2, ModelPrecision.Int8)]
    public void TheDefaultsRunTheKernel(int scale, ModelPrecision precision)
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { Scale = scale, DefaultModelPrecision = precision });
        Assert.Equal(AttentionKernel.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), resolver.ModelMetadata[OnnxContract.AttentionKernel]);
        Assert.Null(resolver.AttentionKernelFailure);
        using var image = TestImages.Texture(20, 18, seed: 4);
        long before = AttentionKernel.RunsOnThisThread;
        resolver.Upscale(image).Dispose();
        Assert.Equal(4, AttentionKernel.RunsOnThisThread - before); // one HSPA block per residual group, one tile
    }

    [Fact]
    public void SwitchedOffTheBodyRunsAndTheResolverSaysSo()
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { Scale = 2, AttentionKernel = false });
        Assert.Contains("switched off", resolver.AttentionKernelFailure);
        using var image = TestImages.Texture(20, 18, seed: 4);
        long before = AttentionKernel.RunsOnThisThread;
        resolver.Upscale(image).Dispose();
        Assert.Equal(before, AttentionKernel.RunsOnThisThread);
    }

    [Fact]
    public void OnSet5TheKernelScoresAsTheBodyDoes()
    {
        // An explicit tile: automatic ones may grow into the mirrored margin where the kernel runs, not where the body does.
        using var kernel = new OnnxModelUpscaler(new SuperResolutionOptions { Scale = 2, TileSize = 40 });
        using var body = new OnnxModelUpscaler(new SuperResolutionOptions { Scale = 2, TileSize = 40, AttentionKernel = false });
        var bodyOutputs = new Dictionary<string, RgbImage>();
        var bodyReport = new Evaluator(body, (name, image) => bodyOutputs[name] = image).EvaluateFolder(TestImages.Set5Folder, "body", selfEnsemble: false);
        var agreement = new OutputAgreement();
        var kernelReport = new Evaluator(kernel, (name, image) => agreement.Add(bodyOutputs[name], image)).EvaluateFolder(TestImages.Set5Folder, "kernel", selfEnsemble: false);
        output.WriteLine($"Set5 x2: PSNR-Y kernel {kernelReport.Mean.Psnr:F4}, body {bodyReport.Mean.Psnr:F4}; {agreement.Differing} of {agreement.Values} values differ, by at most {agreement.Largest}");
        Assert.True(agreement.Largest <= 1, $"a value differs by {agreement.Largest} levels");
        Assert.True(agreement.Differing <= agreement.Values / 1000, $"{agreement.Differing} of {agreement.Values} values differ");
        Assert.True(Math.Abs(kernelReport.Mean.Psnr - bodyReport.Mean.Psnr) <= 0.005, $"PSNR-Y {kernelReport.Mean.Psnr:F4} vs {bodyReport.Mean.Psnr:F4}");
    }
}
