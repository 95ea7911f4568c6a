using Microsoft.ML.Data;

namespace MLNet.SuperRes.Tests.Pipeline;

public sealed class ProgressAndCancellationTests
{
    /// <summary>Hears reports on the calling thread (Progress&lt;T&gt; would post them elsewhere).</summary>
    private sealed class Recorder(Action<SuperResolutionProgress>? onReport = null) : IProgress<SuperResolutionProgress>
    {
        public List<SuperResolutionProgress> Reports { get; } = [];

        public void Report(SuperResolutionProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    private static SuperResolver Resolver(bool selfEnsemble = false) =>
        new(new SuperResolutionOptions { ModelBytes = TestOnnxModels.ConvUpscaler(2), TileSize = 32, TileOverlap = 4, SelfEnsemble = selfEnsemble });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryTileIsReportedOnceInOrder(bool selfEnsemble)
    {
        using var resolver = Resolver(selfEnsemble);
        using var image = TestImages.Texture(90, 50, seed: 3);
        image.Tag = "texture";
        var recorder = new Recorder();
        using var output = resolver.Upscale(image, recorder);
        int count = recorder.Reports[0].TileCount;
        Assert.True(count > 4, $"{count} tiles");
        Assert.Equal(Enumerable.Range(1, count), recorder.Reports.Select(r => r.TilesDone));
        Assert.All(recorder.Reports, r => Assert.Equal((count, "texture"), (r.TileCount, r.ImageName)));
        using var plain = resolver.Upscale(image);
        Assert.Equal(TestImages.Rgba(plain), TestImages.Rgba(output));
    }

    [Fact]
    public void CancellingStopsBeforeTheNextTile()
    {
        using var resolver = Resolver();
        using var image = TestImages.Texture(90, 50, seed: 3);
        using var stop = new CancellationTokenSource();
        var recorder = new Recorder(r => { if (r.TilesDone == 2) stop.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => resolver.Upscale(image, recorder, stop.Token));
        Assert.Equal(2, recorder.Reports.Count);

        Assert.ThrowsAny<OperationCanceledException>(() => resolver.Upscale(image, null, stop.Token));
        using var again = resolver.Upscale(image); // the resolver is unharmed
        Assert.Equal(180, again.Width);
    }

    [Fact]
    public void AFileIsNamedByItsPath()
    {
        using var resolver = Resolver();
        string path = Path.Combine(TestImages.Set5Folder, "bird.png");
        var recorder = new Recorder();
        using var output = resolver.Upscale(path, recorder);
        Assert.NotEmpty(recorder.Reports);
        Assert.All(recorder.Reports, r => Assert.Equal(path, r.ImageName));
    }
}
