using MLNet.SuperRes.Evaluation.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace MLNet.SuperRes.Tests.Evaluation;

public sealed class RgbImageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rgbimage-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void MissingFileThrowsFileNotFoundNamingThePath()
    {
        string path = Path.Combine(_folder, "absent.png");
        var e = Assert.Throws<FileNotFoundException>(() => RgbImage.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void RandomBytesThrowInvalidDataNamingThePath()
    {
        string path = Path.Combine(_folder, "noise.png");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => RgbImage.Load(path));
        Assert.Contains(path, e.Message);
    }

    /// <summary>A PNG whose image data spans several IDAT chunks, cut after a third (ImageSharp 2.1 decodes it without complaint).</summary>
    [Fact]
    public void TruncatedMultiChunkPngThrowsInvalidDataNamingThePath()
    {
        string path = Path.Combine(_folder, "truncated.png");
        var whole = File.ReadAllBytes(Path.Combine(SharedData.Data, "Set5", "bird.png"));
        File.WriteAllBytes(path, whole.AsSpan(0, whole.Length / 3).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => RgbImage.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(".png", 0.99)]
    [InlineData(".bmp", 0.99)]
    [InlineData(".bmp", 0.5)]
    [InlineData(".jpg", 0.99)]
    [InlineData(".jpg", 0.5)]
    [InlineData(".webp", 0.99)]
    [InlineData(".webp", 0.5)]
    public void TruncatedFilesThrowInvalidDataNamingThePath(string extension, double keptFraction)
    {
        string whole = Path.Combine(_folder, "whole" + extension), cut = Path.Combine(_folder, "cut" + extension);
        SaveWithImageSharp(TestRgbImages.Asymmetric(64, 48), whole);
        Assert.Equal(64, RgbImage.Load(whole).Width);
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes.AsSpan(0, (int)(bytes.Length * keptFraction)).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => RgbImage.Load(cut));
        Assert.Contains(cut, e.Message);
    }

    [Fact]
    public void ImageAboveThePixelLimitIsRejectedBeforeDecoding()
    {
        string path = Path.Combine(SharedData.Data, "Set5", "baby.png");
        var e = Assert.Throws<InvalidDataException>(() => RgbImage.Load(path, maxPixels: 512 * 512 - 1));
        Assert.Contains(path, e.Message);
        Assert.Contains("512x512", e.Message);
        Assert.Equal(512, RgbImage.Load(path, maxPixels: 512 * 512).Width);
    }

    [Fact]
    public void GreyscaleIsDecidedByTheFileFormatNotThePixels()
    {
        var bridge = RgbImage.Load(Path.Combine(SharedData.Data, "Set14", "bridge.png"));
        var man = RgbImage.Load(Path.Combine(SharedData.Data, "Set14", "man.png"));
        Assert.True(bridge.IsStoredGrey);
        Assert.False(man.IsStoredGrey);
        Assert.True(AllChannelsEqual(bridge));
        Assert.True(AllChannelsEqual(man));
        Assert.False(RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "bird.png")).IsStoredGrey);
    }

    [Fact]
    public void GreyPngWithAlphaIsGreyscale()
    {
        string path = Path.Combine(_folder, "grey-alpha.png");
        using (var grey = new Image<La16>(8, 8, new La16(120, 200)))
            grey.SaveAsPng(path, new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.GrayscaleWithAlpha });
        var image = RgbImage.Load(path);
        Assert.True(image.IsStoredGrey);
        Assert.All(image.Pixels, p => Assert.Equal(120, p));
    }

    [Fact]
    public void LuminanceJpegIsGreyscale()
    {
        string path = Path.Combine(_folder, "grey.jpg");
        using (var grey = new Image<L8>(8, 8, new L8(90)))
            grey.SaveAsJpeg(path, new JpegEncoder { ColorType = JpegColorType.Luminance });
        var image = RgbImage.Load(path);
        Assert.True(image.IsStoredGrey);
        Assert.All(image.Pixels, p => Assert.InRange(p, 88, 92));
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".webp")]
    public void LosslessFormatsRoundTrip(string extension)
    {
        var image = TestRgbImages.Asymmetric(7, 5);
        string path = Path.Combine(_folder, "image" + extension);
        image.Save(path);
        var loaded = RgbImage.Load(path);
        Assert.Equal((7, 5), (loaded.Width, loaded.Height));
        Assert.Equal(image.Pixels, loaded.Pixels);
        Assert.False(loaded.IsStoredGrey);
    }

    [Theory]
    [InlineData(".bmp")]
    [InlineData(".png")]
    [InlineData(".webp")]
    public void FilesOfAnotherEncoderLoadExactly(string extension)
    {
        var image = TestRgbImages.Asymmetric(9, 6);
        string path = Path.Combine(_folder, "other" + extension);
        SaveWithImageSharp(image, path);
        Assert.Equal(image.Pixels, RgbImage.Load(path).Pixels);
    }

    [Theory]
    [InlineData("image.gif")]
    [InlineData("image.bmp")]
    public void SavingToAFormatItDoesNotWriteThrows(string name) =>
        Assert.Throws<ArgumentException>(() => TestRgbImages.Asymmetric(2, 2).Save(Path.Combine(_folder, name)));

    /// <summary>Writes with ImageSharp (lossless WebP), an encoder independent of the Skia one under test.</summary>
    private static void SaveWithImageSharp(RgbImage image, string path)
    {
        using var encoded = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        if (path.EndsWith(".webp", StringComparison.Ordinal))
            encoded.Save(path, new SixLabors.ImageSharp.Formats.Webp.WebpEncoder { FileFormat = SixLabors.ImageSharp.Formats.Webp.WebpFileFormatType.Lossless });
        else
            encoded.Save(path);
    }

    [Fact]
    public void ModCropKeepsTheTopLeftMultipleOfTheScale()
    {
        var image = TestRgbImages.Asymmetric(11, 7);
        var cropped = image.ModCrop(3);
        Assert.Equal((9, 6), (cropped.Width, cropped.Height));
        for (int y = 0; y < 6; y++)
            Assert.Equal(image.Pixels.AsSpan(3 * y * 11, 27).ToArray(), cropped.Pixels.AsSpan(3 * y * 9, 27).ToArray());
    }

    [Fact]
    public void CropOutsideTheImageThrows() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TestRgbImages.Asymmetric(5, 5).Crop(2, 2, 4, 3));

    [Fact]
    public void PlanarFloatIsChannelMajorInTheUnitRange()
    {
        var image = TestRgbImages.Asymmetric(6, 4);
        var planar = image.ToPlanarFloat();
        Assert.Equal(3 * 24, planar.Length);
        Assert.Equal(image.Pixels[3 * 5 + 1] / 255f, planar[24 + 5]); // G of pixel (5, 0)
        Assert.Equal(image.Pixels[3 * 23 + 2] / 255f, planar[48 + 23]); // B of the last pixel
    }

    [Fact]
    public void Rgba32RoundTripIsExact()
    {
        var image = TestRgbImages.Asymmetric(5, 3);
        var rgba = image.ToRgba32();
        Assert.Equal(4 * 15, rgba.Length);
        Assert.Equal(image.Pixels[3 * 7 + 2], rgba[4 * 7 + 2]); // B of pixel (2, 1)
        Assert.All(Enumerable.Range(0, 15), p => Assert.Equal(255, rgba[4 * p + 3]));
        Assert.Equal(image.Pixels, RgbImage.FromRgba32(rgba, 5, 3).Pixels);
        var error = Assert.Throws<ArgumentException>(() => RgbImage.FromRgba32(rgba, 5, 4));
        Assert.Contains("Expected 80 bytes for a 5x4 RGBA image, got 60", error.Message);
    }
    private static bool AllChannelsEqual(RgbImage image)
    {
        for (int i = 0; i < image.Width * image.Height; i++)
            if (image.Pixels[3 * i] != image.Pixels[3 * i + 1] || image.Pixels[3 * i] != image.Pixels[3 * i + 2])
                return false;
        return true;
    }
}
