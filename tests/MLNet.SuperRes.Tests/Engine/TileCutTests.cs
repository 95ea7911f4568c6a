using Microsoft.ML.Data;
using MLNet.SuperRes.Engine;
using Xunit;

namespace MLNet.SuperRes.Tests.Engine;

/// <summary>The tile the engine cuts for one pixel (what explain runs) is a tile Upscale itself runs.</summary>
public sealed class TileCutTests
{
    /// <summary>Nearest-neighbour x2 that keeps a copy of every tile it is given.</summary>
    private sealed class RecordingNetwork : ITileNetwork
    {
        public List<(float[] Input, int Height, int Width)> Tiles { get; } = [];

        public int Scale => 2;

        public void Run(Memory<float> input, int height, int width, Memory<float> output)
        {
            Tiles.Add((input.ToArray(), height, width));
            var source = input.Span;
            var target = output.Span;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 2 * height; y++)
                    for (int x = 0; x < 2 * width; x++)
                        target[(c * 2 * height + y) * 2 * width + x] = source[(c * height + y / 2) * width + x / 2];
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(37, 21)]
    [InlineData(99, 59)]
    [InlineData(50, 30)]
    public void CutTile_IsOneOfTheTilesUpscaleRuns_AndHoldsThePixel(int x, int y)
    {
        const int width = 100, height = 60;
        using var image = TestImages.Texture(width, height, seed: 5);
        var network = new RecordingNetwork();
        var engine = new TiledUpscaler(network, TilePlan.Exactly(32, 4), selfEnsemble: false);
        engine.Upscale(image.Pixels, width, height, image.PixelFormat);

        var cut = engine.CutTile(image.Pixels, width, height, image.PixelFormat, x, y);

        Assert.Contains(network.Tiles, t => t.Height == cut.Height && t.Width == cut.Width && t.Input.AsSpan().SequenceEqual(cut.Input));
        Assert.Equal(x, cut.Left + cut.PixelColumn);
        Assert.Equal(y, cut.Top + cut.PixelRow);
        int plane = cut.Width * cut.Height, at = cut.PixelRow * cut.Width + cut.PixelColumn;
        var pixel = image.Pixels.Slice((y * width + x) * 4, 4); // Bgra32
        Assert.Equal(pixel[2] / 255f, cut.Input[at], 6);
        Assert.Equal(pixel[1] / 255f, cut.Input[plane + at], 6);
        Assert.Equal(pixel[0] / 255f, cut.Input[2 * plane + at], 6);
    }

    [Fact]
    public void CutTile_AtTheBorder_StartsInTheMirroredMargin()
    {
        using var image = TestImages.Texture(20, 20, seed: 6);
        var engine = new TiledUpscaler(new RecordingNetwork(), TilePlan.Exactly(16, 2), selfEnsemble: false);
        var cut = engine.CutTile(image.Pixels, 20, 20, image.PixelFormat, 0, 0);
        Assert.Equal(-TiledUpscaler.BorderPadding, cut.Left);
        Assert.Equal(-TiledUpscaler.BorderPadding, cut.Top);
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.CutTile(image.Pixels, 20, 20, image.PixelFormat, 20, 0));
    }
}
