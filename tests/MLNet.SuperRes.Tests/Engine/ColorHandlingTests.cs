using Microsoft.ML.Data;
using MLNet.SuperRes;
using Xunit;

namespace MLNet.SuperRes.Tests.Engine;

/// <summary>RGB through the network, alpha upscaled apart and kept, greyscale kept grey, both pixel formats.</summary>
public sealed class ColorHandlingTests
{
    private static SuperResolver Resolver(byte[] model) => new(new SuperResolutionOptions { ModelBytes = model, TileSize = 32, TileOverlap = 6 });

    [Fact]
    public void OpaqueImage_StaysOpaque()
    {
        using var resolver = Resolver(TestOnnxModels.ConvUpscaler(2));
        using var image = TestImages.Load("bird.png");
        byte[] rgba = TestImages.Rgba(resolver.Upscale(image));
        for (int i = 3; i < rgba.Length; i += 4)
            Assert.Equal(255, rgba[i]);
    }

    [Fact]
    public void Alpha_IsUpscaledBicubically_AndColourIsKeptUnderPremultiplication()
    {
        // Left half opaque, right half 50% transparent, with a soft 8-pixel ramp between; one straight colour.
        const int width = 40, height = 24;
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int alpha = x < 16 ? 255 : x >= 24 ? 128 : 255 - (x - 15) * 127 / 9;
                int i = (y * width + x) * 4;
                pixels[i + 2] = (byte)Math.Round(200 * alpha / 255.0); // premultiplied, as MLImage stores it
                pixels[i + 1] = (byte)Math.Round(100 * alpha / 255.0);
                pixels[i + 0] = (byte)Math.Round(40 * alpha / 255.0);
                pixels[i + 3] = (byte)alpha;
            }
        using var image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, pixels);
        using var resolver = Resolver(TestOnnxModels.Resize(3, "nearest"));
        using var result = resolver.Upscale(image);
        byte[] rgba = TestImages.Rgba(result);
        int outWidth = width * 3;

        byte AlphaAt(int x, int y) => rgba[(y * outWidth + x) * 4 + 3];
        Assert.Equal(255, AlphaAt(10, 30));
        Assert.Equal(128, AlphaAt(100, 30));
        // Across the ramp, bicubic alpha decreases monotonically from 255 towards 128.
        for (int x = 45; x < 75; x++)
            Assert.True(AlphaAt(x + 1, 30) <= AlphaAt(x, 30) + 1, $"alpha rises at x={x}");
        Assert.InRange(AlphaAt(60, 30), 150, 240);

        // The straight colour (premultiplied / alpha) is the same everywhere, transparent or not.
        for (int x = 0; x < outWidth; x += 7)
        {
            int i = (30 * outWidth + x) * 4;
            double alpha = rgba[i + 3];
            Assert.InRange(rgba[i] * 255.0 / alpha, 197, 203);
            Assert.InRange(rgba[i + 1] * 255.0 / alpha, 97, 103);
            Assert.InRange(rgba[i + 2] * 255.0 / alpha, 37, 43);
            Assert.True(rgba[i] <= alpha && rgba[i + 1] <= alpha && rgba[i + 2] <= alpha, "premultiplied colour exceeds alpha");
        }
    }

    [Fact]
    public void GreyscaleContent_StaysGrey_EvenWhenTheModelTints()
    {
        using var resolver = Resolver(TestOnnxModels.Resize(2, "cubic", channelGains: [1.0f, 0.9f, 0.8f]));
        using var grey = TestImages.Texture(50, 40, seed: 5, greyscale: true);
        byte[] greyOut = TestImages.Rgba(resolver.Upscale(grey));
        for (int i = 0; i < greyOut.Length; i += 4)
            Assert.True(greyOut[i] == greyOut[i + 1] && greyOut[i + 1] == greyOut[i + 2], $"pixel {i / 4} is not grey");

        // Colour content goes through unchanged: the model's tint shows.
        using var colour = TestImages.Load("butterfly.png");
        byte[] colourOut = TestImages.Rgba(resolver.Upscale(colour));
        double red = 0, blue = 0;
        for (int i = 0; i < colourOut.Length; i += 4) { red += colourOut[i]; blue += colourOut[i + 2]; }
        byte[] colourIn = TestImages.Rgba(colour);
        double redIn = 0, blueIn = 0;
        for (int i = 0; i < colourIn.Length; i += 4) { redIn += colourIn[i]; blueIn += colourIn[i + 2]; }
        Assert.InRange(blue / red, 0.75 * blueIn / redIn, 0.85 * blueIn / redIn);
    }

    [Fact]
    public void Rgba32Input_GivesRgba32Output_WithTheSamePixelsAsBgra32()
    {
        using var resolver = Resolver(TestOnnxModels.ConvUpscaler(2));
        using var bgra = TestImages.Load("head.png");
        using var rgba = MLImage.CreateFromPixels(bgra.Width, bgra.Height, MLPixelFormat.Rgba32, TestImages.Rgba(bgra));
        using var fromBgra = resolver.Upscale(bgra);
        using var fromRgba = resolver.Upscale(rgba);
        Assert.Equal(MLPixelFormat.Bgra32, fromBgra.PixelFormat);
        Assert.Equal(MLPixelFormat.Rgba32, fromRgba.PixelFormat);
        Assert.Equal(TestImages.Rgba(fromBgra), TestImages.Rgba(fromRgba));
    }

    [Fact]
    public void NonSquareImages_OfAnySize_AreUpscaled()
    {
        using var resolver = Resolver(TestOnnxModels.ConvUpscaler(3));
        foreach (var (width, height) in new[] { (1, 1), (1, 70), (33, 2), (97, 45) })
        {
            using var image = TestImages.Texture(width, height, seed: width);
            using var result = resolver.Upscale(image);
            Assert.Equal((width * 3, height * 3), (result.Width, result.Height));
        }
    }
}
