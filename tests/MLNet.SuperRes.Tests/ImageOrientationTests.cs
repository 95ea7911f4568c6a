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
    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void EveryOrientation_ComesUpright_AsAutoOrientTurnsIt(int orientation)
    {
        byte[] file = OrientedPhotos.Jpeg(orientation);
        using var expected = Image.Load<Rgba32>(file);
        expected.Mutate(m => m.AutoOrient());

        using var upright = ImageFiles.Load(new MemoryStream(file), "photo.jpg");
        Assert.Equal((expected.Width, expected.Height), (upright.Width, upright.Height));
        byte[] bgra = upright.Pixels.ToArray();
        for (int y = 0; y < expected.Height; y++)
            for (int x = 0; x < expected.Width; x++)
            {
                var want = expected[x, y];
                int i = 4 * (y * upright.Width + x);
                Assert.True(Math.Abs(bgra[i + 2] - want.R) <= 6 && Math.Abs(bgra[i + 1] - want.G) <= 6 && Math.Abs(bgra[i] - want.B) <= 6,
                    $"orientation {orientation}, pixel ({x}, {y}): ({bgra[i + 2]}, {bgra[i + 1]}, {bgra[i]}) against ({want.R}, {want.G}, {want.B})");
            }

        var info = ImageFiles.Identify(new MemoryStream(file), "photo.jpg");
        Assert.Equal((orientation, upright.Width, upright.Height), (info.Orientation, info.Width, info.Height));
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void APngsExifOrientation_IsAppliedToo_In8And16Bits(int orientation)
    {
        byte[] file = OrientedPhotos.Png(orientation);
        using var expected = Image.Load<Rgba32>(file);
        expected.Mutate(m => m.AutoOrient());

        using var upright = ImageFiles.Load(new MemoryStream(file), "photo.png");
        Assert.Equal((expected.Width, expected.Height), (upright.Width, upright.Height));
        byte[] bgra = upright.Pixels.ToArray();
        for (int y = 0; y < expected.Height; y++)
            for (int x = 0; x < expected.Width; x++)
            {
                var want = expected[x, y];
                int i = 4 * (y * upright.Width + x);
                Assert.Equal((want.R, want.G, want.B), (bgra[i + 2], bgra[i + 1], bgra[i]));
            }
        Assert.Equal((orientation, upright.Width, upright.Height), (ImageFiles.Identify(new MemoryStream(file), "photo.png").Orientation, upright.Width, upright.Height));

        string path = Path.Combine(Directory.CreateTempSubdirectory("superres-orientation-").FullName, "deep.png");
        File.WriteAllBytes(path, OrientedPhotos.Png(orientation, bitDepth: 16));
        var deep = ImageFiles.LoadSixteenBitPng(path, SuperResolutionOptions.DefaultMaxInputPixels, upright: true)!;
        Assert.Equal((expected.Width, expected.Height), (deep.Width, deep.Height));
        for (int y = 0; y < expected.Height; y++)
            for (int x = 0; x < expected.Width; x++)
            {
                var want = expected[x, y];
                int i = 4 * (y * deep.Width + x);
                Assert.Equal((want.R * 257, want.G * 257, want.B * 257), (deep.Pixels[i], deep.Pixels[i + 1], deep.Pixels[i + 2]));
            }
        var stored = ImageFiles.LoadSixteenBitPng(path, SuperResolutionOptions.DefaultMaxInputPixels, upright: false)!;
        Assert.Equal((12, 8), (stored.Width, stored.Height));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
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
