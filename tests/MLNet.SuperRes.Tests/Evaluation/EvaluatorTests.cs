using System.Text.Json;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Evaluation;
using Xunit;

namespace MLNet.SuperRes.Tests.Evaluation;

public sealed class EvaluatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("evaluator-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ResolverReturningTheGroundTruthScoresInfinityAndOne()
    {
        var highRes = RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "woman.png"));
        var groundTruth = highRes.ModCrop(3);
        var (psnr, ssim) = new Evaluator(new FixedOutputUpscaler(3, groundTruth)).Score(highRes);
        Assert.Equal(double.PositiveInfinity, psnr);
        Assert.Equal(1.0, ssim, 12);
    }

    /// <summary>
    /// bridge.png is stored as one grey channel and is scored on that channel, as the MATLAB scripts do.
    /// Scored on Y instead, every difference shrinks by 219/255, which raises PSNR by 20 log10(255/219) = 1.32 dB.
    /// </summary>
    [Fact]
    public void GreyFilesAreScoredOnTheirGreyChannelNotOnY()
    {
        var bridge = RgbImage.Load(Path.Combine(SharedData.Data, "Set14", "bridge.png"));
        var asRgb = new RgbImage(bridge.Width, bridge.Height, bridge.Pixels, isStoredGrey: false);
        var evaluator = new Evaluator(new MatlabBicubicUpscaler(2));
        var (greyPsnr, _) = evaluator.Score(bridge);
        var (lumaPsnr, _) = evaluator.Score(asRgb);
        Assert.Equal(20 * Math.Log10(255.0 / 219.0), lumaPsnr - greyPsnr, 9);
    }

    [Fact]
    public void ResolverWithTheWrongOutputSizeIsRejected()
    {
        var highRes = TestRgbImages.Asymmetric(20, 20);
        var wrong = new FixedOutputUpscaler(2, TestRgbImages.Asymmetric(18, 20));
        var e = Assert.Throws<InvalidOperationException>(() => new Evaluator(wrong).Score(highRes));
        Assert.Contains("expected", e.Message);
    }

    [Fact]
    public void ImageFilesAreSortedAndFilteredByExtension()
    {
        foreach (var name in new[] { "b.png", "A.webp", "c.JPG", "a.bmp", "notes.txt", "d.gif" })
            File.WriteAllBytes(Path.Combine(_folder, name), []);
        Assert.Equal(["A.webp", "a.bmp", "b.png", "c.JPG"], Evaluator.ImageFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void MissingOrEmptyFoldersAreRejected()
    {
        Assert.Throws<DirectoryNotFoundException>(() => Evaluator.ImageFiles(Path.Combine(_folder, "absent")));
        Assert.Throws<InvalidDataException>(() => Evaluator.ImageFiles(_folder));
    }

    [Fact]
    public void ReportJsonHasTheAgreedShape()
    {
        var images = new List<ImageScore> { new("a", 30.0, 0.9), new("b", 32.0, 0.8) };
        var report = new EvaluationReport(3, "/data/Set5", "bicubic", false, images);
        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;
        Assert.Equal(["mean", "images", "scale", "data", "model", "self_ensemble"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(31.0, root.GetProperty("mean").GetProperty("psnr").GetDouble(), 12);
        Assert.Equal(0.85, root.GetProperty("mean").GetProperty("ssim").GetDouble(), 12);
        Assert.Equal("b", root.GetProperty("images")[1].GetProperty("name").GetString());
        Assert.Equal(32.0, root.GetProperty("images")[1].GetProperty("psnr").GetDouble());
        Assert.Equal(0.8, root.GetProperty("images")[1].GetProperty("ssim").GetDouble());
        Assert.Equal(3, root.GetProperty("scale").GetInt32());
        Assert.Equal("/data/Set5", root.GetProperty("data").GetString());
        Assert.Equal("bicubic", root.GetProperty("model").GetString());
        Assert.False(root.GetProperty("self_ensemble").GetBoolean());
        Assert.Contains("mean", report.ToTable());
    }
}
