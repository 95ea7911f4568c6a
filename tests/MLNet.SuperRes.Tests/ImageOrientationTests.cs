using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace MLNet.SuperRes.Tests;

/// <summary>
/// Photos whose EXIF orientation says how to turn them: every reading path gives them upright, as ImageSharp's
/// AutoOrient does, unless asked for the pixels as stored; images without a tag are read as before.
/// </summary>
public sealed class ImageOrientationTests
{
    public static TheoryData<int, string> OrientationsAndFormats()
    {
        var data = new TheoryData<int, string>();
        for (int orientation = 1; orientation <= 8; orientation++)
        {
            data.Add(orientation, "jpg");
            data.Add(orientation, "png"); // an eXIf chunk, which Skia does not read
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(OrientationsAndFormats))]
    public void EveryOrientation_ComesUpright_AsAutoOrientTurnsIt(int orientation, string format)
    {
        byte[] file = format == "jpg" ? OrientedPhotos.Jpeg(orientation) : OrientedPhotos.Png(orientation);
        using var expected = Upright(file);

        using var upright = ImageFiles.Load(new MemoryStream(file), "photo." + format);
        byte[] bgra = upright.Pixels.ToArray();
        AssertShows(expected, upright.Width, upright.Height, i => (bgra[4 * i + 2], bgra[4 * i + 1], bgra[4 * i]),
            tolerance: format == "jpg" ? 6 : 0, $"orientation {orientation}, {format}");

        var info = ImageFiles.Identify(new MemoryStream(file), "photo." + format);
        Assert.Equal((orientation, upright.Width, upright.Height), (info.Orientation, info.Width, info.Height));
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void ASixteenBitPng_ComesUpright_WithItsSixteenBits(int orientation)
    {
        using var expected = Upright(OrientedPhotos.Png(orientation)); // the same quadrants in 8 bits
        string folder = Directory.CreateTempSubdirectory("superres-orientation-").FullName, path = Path.Combine(folder, "deep.png");
        File.WriteAllBytes(path, OrientedPhotos.Png(orientation, bitDepth: 16));

        var deep = ImageFiles.LoadSixteenBitPng(path, SuperResolutionOptions.DefaultMaxInputPixels, upright: true)!.Value.Image;
        Assert.All(deep.Pixels, value => Assert.Equal(0, value % 257)); // 8-bit values widened: exact in 8 bits
        AssertShows(expected, deep.Width, deep.Height, i => (deep.Pixels[4 * i] / 257, deep.Pixels[4 * i + 1] / 257, deep.Pixels[4 * i + 2] / 257),
            tolerance: 0, $"orientation {orientation}, 16 bits");
        var stored = ImageFiles.LoadSixteenBitPng(path, SuperResolutionOptions.DefaultMaxInputPixels, upright: false)!.Value.Image;
        Assert.Equal((12, 8), (stored.Width, stored.Height));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The image as ImageSharp shows it: turned by its EXIF orientation.</summary>
    private static Image<Rgba32> Upright(byte[] file)
    {
        var image = Image.Load<Rgba32>(file);
        image.Mutate(m => m.AutoOrient());
        return image;
    }

    /// <summary>Whether an image of <paramref name="width"/> x <paramref name="height"/> whose pixel i is <paramref name="rgb"/>(i) is <paramref name="expected"/>.</summary>
    private static void AssertShows(Image<Rgba32> expected, int width, int height, Func<int, (int R, int G, int B)> rgb, int tolerance, string what)
    {
        Assert.Equal((expected.Width, expected.Height), (width, height));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var want = expected[x, y];
                var (r, g, b) = rgb(y * width + x);
                Assert.True(Math.Abs(r - want.R) <= tolerance && Math.Abs(g - want.G) <= tolerance && Math.Abs(b - want.B) <= tolerance,
                    $"{what}, pixel ({x}, {y}): ({r}, {g}, {b}) against ({want.R}, {want.G}, {want.B})");
            }
    }

    [Fact]
    public void ASixteenBitPortraitPng_IsUpscaledUpright_AndTaggedUpright()
    {
        string folder = Directory.CreateTempSubdirectory("superres-orientation-").FullName;
        string input = Path.Combine(folder, "portrait.png"), output = Path.Combine(folder, "portrait-x2.png");
        File.WriteAllBytes(input, OrientedPhotos.Png(6, bitDepth: 16)); // stored 12x8, shown 8x12
        using var resolver = new SuperResolver(2);
        var result = resolver.UpscaleFile(input, output);
        Assert.Equal((8, 12, 16, 24, 16), (result.InputWidth, result.InputHeight, result.OutputWidth, result.OutputHeight, result.BitsPerChannel));
        Assert.Equal(1, ImageFiles.ReadMetadata(output, upright: false).Orientation);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void ThePixelsAsStored_AreThereForWhoAsks_AndEqualTheUntaggedFile()
    {
        using var stored = ImageFiles.Load(new MemoryStream(OrientedPhotos.Jpeg(6)), "portrait.jpg", SuperResolutionOptions.DefaultMaxInputPixels, upright: false);
        using var untagged = ImageFiles.Load(new MemoryStream(OrientedPhotos.Jpeg(1)), "landscape.jpg");
        Assert.Equal((12, 8), (stored.Width, stored.Height));
        Assert.True(stored.Pixels.SequenceEqual(untagged.Pixels));
    }

    [Fact]
    public void SuperResolver_UpscalesAPortraitPhotoUpright()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("superres-orientation-").FullName, "portrait.jpg");
        File.WriteAllBytes(path, OrientedPhotos.Jpeg(6)); // stored 12x8 landscape, shown 8x12 portrait
        using var resolver = new SuperResolver(2);
        using var fromFile = resolver.Upscale(path);
        using var upright = ImageFiles.Load(path);
        using var fromImage = resolver.Upscale(upright);
        Assert.Equal((16, 24), (fromFile.Width, fromFile.Height));
        Assert.True(fromFile.Pixels.SequenceEqual(fromImage.Pixels));
    }
}
