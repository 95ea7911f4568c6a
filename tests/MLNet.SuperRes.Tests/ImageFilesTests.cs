using SixLabors.ImageSharp;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Tests;

public sealed class ImageFilesTests : IDisposable
{
    private readonly HostileFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("Set5", "baby.png")]
    [InlineData("Set5", "butterfly.png")]
    [InlineData("Set14", "man.png")]      // stored grey
    [InlineData("Set14", "comic.png")]
    public void ReadsAsLoadImagesDoes(string set, string name)
    {
        string path = Path.Combine(SharedData.Data, set, name);
        using var expected = MLImage.CreateFromFile(path);
        using var actual = ImageFiles.Load(path);
        Assert.Equal((expected.Width, expected.Height, expected.PixelFormat), (actual.Width, actual.Height, actual.PixelFormat));
        Assert.True(expected.Pixels.SequenceEqual(actual.Pixels));
        Assert.Equal(path, actual.Tag);
    }

    [Fact]
    public void ADecompressionBombIsRefusedFromItsHeader()
    {
        string path = _files.Write("bomb.png", HostileFiles.PngDeclaring(60000, 60000));
        Assert.True(new FileInfo(path).Length < 100_000);
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("60000x60000", e.Message);
        Assert.Contains("not decoded", e.Message);
    }

    [Fact]
    public void TheLimitIsTheCallers()
    {
        string path = Path.Combine(TestImages.Set5Folder, "head.png"); // 280x280
        Assert.Contains("280x280", Assert.Throws<InvalidDataException>(() => ImageFiles.Load(path, maxPixels: 280 * 280 - 1)).Message);
        using var image = ImageFiles.Load(path, maxPixels: 280 * 280);
        Assert.Equal(280, image.Width);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void ATruncatedPngIsRefused(double fraction)
    {
        string path = _files.Write("cut.png", HostileFiles.Truncated("head.png", fraction));
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".webp")]
    public void TruncatedJpegAndWebpAreRefused(string extension)
    {
        using var head = TestImages.Load("head.png");
        string whole = Path.Combine(_files.Folder, "whole" + extension);
        ImageFiles.Save(head, whole, quality: 90);
        byte[] bytes = File.ReadAllBytes(whole);
        string path = _files.Write("cut" + extension, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ImageFiles.Load(path)).Message);
    }

    [Fact]
    public void ACorruptPngIsRefused()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestImages.Set5Folder, "head.png"));
        bytes[bytes.Length / 2] ^= 0xFF;
        string path = _files.Write("flipped.png", bytes);
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void OtherFilesAreNamed()
    {
        string text = _files.Write("notes.png", "not an image"u8.ToArray());
        Assert.Contains(text, Assert.Throws<InvalidDataException>(() => ImageFiles.Load(text)).Message);
        string empty = _files.Write("empty.png", []);
        Assert.Contains(empty, Assert.Throws<InvalidDataException>(() => ImageFiles.Load(empty)).Message);
        Assert.Contains("is a folder", Assert.Throws<FileNotFoundException>(() => ImageFiles.Load(_files.Folder)).Message);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => ImageFiles.Load(Path.Combine(_files.Folder, "missing.png"))).Message);
    }

    [Fact]
    public void AnAnimationIsRefusedAndAStillGifIsRead()
    {
        string animated = _files.Write("animated.gif", HostileFiles.AnimatedGif(3));
        Assert.Contains("animation of 3 frames", Assert.Throws<InvalidDataException>(() => ImageFiles.Load(animated)).Message);
        string still = _files.Write("still.gif", HostileFiles.AnimatedGif(1));
        using var image = ImageFiles.Load(still);
        Assert.Equal((8, 8), (image.Width, image.Height));
    }

    [Fact]
    public void AStreamIsReadAndNamedByItsCaller()
    {
        using var stream = new MemoryStream(HostileFiles.PngDeclaring(20000, 20000));
        Assert.Contains("upload #7", Assert.Throws<InvalidDataException>(() => ImageFiles.Load(stream, "upload #7")).Message);
        using var good = File.OpenRead(Path.Combine(TestImages.Set5Folder, "bird.png"));
        using var image = ImageFiles.Load(good, "bird");
        Assert.Equal(288, image.Width);
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".webp")]
    public void SaveIsLosslessForPngAndRoundTrips(string extension)
    {
        using var image = TestImages.Load("bird.png");
        string path = Path.Combine(_files.Folder, "sub", "bird" + extension);
        ImageFiles.Save(image, path, quality: 100);
        using var back = ImageFiles.Load(path);
        if (extension == ".png")
            Assert.True(image.Pixels.SequenceEqual(back.Pixels));
        else
            Assert.True(TestImages.Psnr(TestImages.Rgba(image), TestImages.Rgba(back)) > 40);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left
    }

    [Fact]
    public void SaveRefusesAnUnknownFormatAndLeavesTheOldFile()
    {
        using var image = TestImages.Load("bird.png");
        string existing = _files.Write("keep.tga", [1, 2, 3]);
        Assert.Contains("cannot write", Assert.Throws<ArgumentException>(() => ImageFiles.Save(image, existing)).Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(existing));
        Assert.Contains("no extension", Assert.Throws<ArgumentException>(() => ImageFiles.Save(image, Path.Combine(_files.Folder, "out"))).Message);
        Assert.False(ImageFiles.KeepsTransparency("x.jpg"));
        Assert.True(ImageFiles.KeepsTransparency("x.png"));
    }

    [Theory]
    [InlineData("png")]
    [InlineData(".jpg")]
    [InlineData("webp")]
    public void SaveToAStreamWritesWhatSaveToAFileWrites(string extension)
    {
        using var image = TestImages.Load("bird.png");
        string path = Path.Combine(_files.Folder, "bird" + (extension.StartsWith('.') ? extension : "." + extension));
        ImageFiles.Save(image, path, quality: 90);
        using var stream = new MemoryStream();
        ImageFiles.Save(image, stream, extension, quality: 90);
        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
        Assert.Contains("cannot write", Assert.Throws<ArgumentException>(() => ImageFiles.Save(image, new MemoryStream(), "tiff")).Message);
    }

    /// <summary>PNG colour types: 0 grey, 2 RGB, 4 grey with alpha, 6 RGBA.</summary>
    [Theory]
    [InlineData("colour", 2)]
    [InlineData("grey", 0)]
    [InlineData("transparent", 6)]
    [InlineData("grey transparent", 4)]
    public void SaveWritesTheChannelsTheImageHas_AndTheSamePixels(string kind, int pngColourType)
    {
        using var image = kind switch
        {
            "colour" => TestImages.Texture(20, 12, seed: 3),
            "grey" => TestImages.Texture(20, 12, seed: 3, greyscale: true),
            "grey transparent" => WithAlpha(TestImages.Texture(20, 12, seed: 3, greyscale: true)),
            _ => WithAlpha(TestImages.Texture(20, 12, seed: 3)),
        };
        using var png = new MemoryStream();
        ImageFiles.Save(image, png, "png");
        Assert.Equal(pngColourType, png.GetBuffer()[25]);
        png.Position = 0;
        using var back = ImageFiles.Load(png, "back");
        Assert.True(image.Pixels.SequenceEqual(back.Pixels));

        using var jpeg = new MemoryStream();
        ImageFiles.Save(image, jpeg, "jpg");
        jpeg.Position = 0;
        var components = SixLabors.ImageSharp.Image.Identify(jpeg).Metadata.GetJpegMetadata().ColorType;
        Assert.Equal(kind.StartsWith("grey") ? SixLabors.ImageSharp.Formats.Jpeg.JpegColorType.Luminance : SixLabors.ImageSharp.Formats.Jpeg.JpegColorType.YCbCrRatio420, components);
    }

    [Fact]
    public void AGreyTransparentImage_GoesToJpegAsGrey_WithTheValuesSkiaWritesInColour()
    {
        using var image = WithAlpha(TestImages.Texture(24, 16, seed: 5, greyscale: true));
        using var grey = new MemoryStream();
        ImageFiles.Save(image, grey, "jpg", quality: 100);
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(24, 16, SkiaSharp.SKColorType.Bgra8888, SkiaSharp.SKAlphaType.Premul));
        System.Runtime.InteropServices.Marshal.Copy(image.Pixels.ToArray(), 0, bitmap.GetPixels(), bitmap.ByteCount);
        using var colour = bitmap.PeekPixels().Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 100);

        using var fromGrey = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(grey.ToArray());
        using var fromColour = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(colour.ToArray());
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 24; x++)
                Assert.True(Math.Abs(fromGrey[x, y].PackedValue - fromColour[x, y].PackedValue) <= 3,
                    $"({x}, {y}): {fromGrey[x, y].PackedValue} against {fromColour[x, y].PackedValue}");
    }

    private static MLImage WithAlpha(MLImage image)
    {
        byte[] pixels = image.Pixels.ToArray();
        for (int i = 0; i < pixels.Length; i += 4)
        {
            byte alpha = (byte)(i / 4 % 2 == 0 ? 255 : 128);
            for (int c = 0; c < 3; c++) pixels[i + c] = (byte)(pixels[i + c] * alpha / 255); // premultiplied, as MLImage stores it
            pixels[i + 3] = alpha;
        }
        var result = MLImage.CreateFromPixels(image.Width, image.Height, image.PixelFormat, pixels);
        image.Dispose();
        return result;
    }

    [Fact]
    public void IdentifyReadsTheHeaderOnlyAndLeavesTheStreamWhereItWas()
    {
        using var bomb = new MemoryStream(HostileFiles.PngDeclaring(60000, 50000));
        bomb.Position = 0;
        Assert.Equal(new ImageFileInfo(60000, 50000, "PNG", 1), ImageFiles.Identify(bomb, "bomb"));
        Assert.Equal(3_000_000_000L, ImageFiles.Identify(bomb, "bomb").Pixels);
        Assert.Equal(0, bomb.Position);

        using var animation = new MemoryStream(HostileFiles.AnimatedGif(3));
        Assert.Equal(new ImageFileInfo(8, 8, "GIF", 3), ImageFiles.Identify(animation, "anim"));

        using var cut = new MemoryStream(HostileFiles.Truncated("head.png", 0.5)); // header whole, data cut: decoding finds it
        Assert.Equal(280, ImageFiles.Identify(cut, "cut").Width);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ImageFiles.Load(cut, "cut")).Message);

        var text = Assert.Throws<InvalidDataException>(() => ImageFiles.Identify(new MemoryStream("not an image"u8.ToArray()), "notes"));
        Assert.Contains("'notes' is not an image", text.Message);
    }

    [Fact]
    public void SuperResolverReadsFilesHeaderFirst()
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { Scale = 2, MaxInputPixels = 1_000_000 });
        string bomb = _files.Write("bomb.png", HostileFiles.PngDeclaring(60000, 60000));
        Assert.Contains(bomb, Assert.Throws<InvalidDataException>(() => resolver.Upscale(bomb)).Message);
        string cut = _files.Write("cut.png", HostileFiles.Truncated("head.png", 0.9));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => resolver.Upscale(cut)).Message);

        using var small = TestImages.Gradient(20, 12);
        string path = Path.Combine(_files.Folder, "small.png");
        ImageFiles.Save(small, path);
        using var fromFile = resolver.Upscale(path);
        using var fromImage = resolver.Upscale(small);
        Assert.Equal(TestImages.Rgba(fromImage), TestImages.Rgba(fromFile));
        using var stream = File.OpenRead(path);
        using var fromStream = resolver.Upscale(stream, "small");
        Assert.Equal(TestImages.Rgba(fromImage), TestImages.Rgba(fromStream));
    }
}
