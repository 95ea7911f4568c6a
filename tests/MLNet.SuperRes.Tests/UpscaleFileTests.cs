using Microsoft.ML.Data;
using MLNet.SuperRes.Tests.TestData;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Tests;

/// <summary>
/// <see cref="SuperResolver.UpscaleFile"/>: 16-bit PNGs keep their 16 bits, channels and profile; the rest goes through
/// 8 bits exactly as the <see cref="MLImage"/> path does.
/// </summary>
public sealed class UpscaleFileTests : IClassFixture<UpscaleFileTests.Resolver>, IDisposable
{
    public sealed class Resolver : IDisposable
    {
        public SuperResolver X2 { get; } = new(2);
        public void Dispose() => X2.Dispose();
    }

    private readonly SuperResolver _resolver;
    private readonly string _folder = Directory.CreateTempSubdirectory("superres-upscale-file-").FullName;

    public UpscaleFileTests(Resolver resolver) => _resolver = resolver.X2;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] file)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, file);
        return path;
    }

    [Theory]
    [InlineData(PngColorType.Grayscale)]
    [InlineData(PngColorType.GrayscaleWithAlpha)]
    [InlineData(PngColorType.Rgb)]
    [InlineData(PngColorType.RgbWithAlpha)]
    public void ASixteenBitPng_ComesOutSixteenBit_InItsColourType_AsThe8BitPathWithinRounding(PngColorType colourType)
    {
        const int Width = 30, Height = 22;
        var source = DeepPngs.Pixels(Width, Height, colourType);
        string input = Write("scan.png", DeepPngs.Encode(source, Width, Height, colourType)), output = Path.Combine(_folder, "scan-x2.png");

        var result = _resolver.UpscaleFile(input, output);

        Assert.Equal(new UpscaledFile(Width, Height, 2 * Width, 2 * Height, 16, TransparencyDropped: false), result);
        var written = DeepPngs.Decode(File.ReadAllBytes(output));
        Assert.Equal((2 * Width, 2 * Height, PngBitDepth.Bit16, colourType), (written.Width, written.Height, written.BitDepth!.Value, written.ColourType!.Value));

        // The same image in 8 bits, through the MLImage path: the 16-bit output rounds to within a step or two of it.
        var eightBit = new byte[Width * Height * 4];
        for (int i = 0; i < source.Length; i++)
        {
            float a = MathF.Round(source[i].A / 257f);
            eightBit[4 * i] = (byte)MathF.Round(source[i].B / 65535f * a);
            eightBit[4 * i + 1] = (byte)MathF.Round(source[i].G / 65535f * a);
            eightBit[4 * i + 2] = (byte)MathF.Round(source[i].R / 65535f * a);
            eightBit[4 * i + 3] = (byte)a;
        }
        using var reference = _resolver.Upscale(eightBit, Width, Height, MLPixelFormat.Bgra32);
        var expected = reference.Pixels;
        int worst = 0;
        var levels = new HashSet<ushort>();
        for (int i = 0; i < written.Pixels.Length; i++)
        {
            var p = written.Pixels[i];
            int a8 = expected[4 * i + 3];
            worst = Math.Max(worst, Math.Abs(p.A / 257 - a8));
            if (a8 >= 128) // premultiplied 8 bits hold too little colour under strong transparency to compare
                foreach (var (value, premultiplied) in new[] { (p.R, expected[4 * i + 2]), (p.G, expected[4 * i + 1]), (p.B, expected[4 * i]) })
                    worst = Math.Max(worst, (int)Math.Abs(value / 257.0 - premultiplied * 255.0 / a8));
            levels.Add(p.R);
            if (colourType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha)
                Assert.True(p.R == p.G && p.G == p.B);
        }
        Assert.InRange(worst, 0, 3);
        // Not 8 bits in disguise: far more distinct values than multiples of 257.
        Assert.True(levels.Count(v => v % 257 != 0) > levels.Count / 2, $"{levels.Count} levels");
    }

    [Fact]
    public void AColourUnderFullTransparency_DoesNotBleed_AsInThe8BitPath()
    {
        // A tRNS key: magenta pixels are transparent, beside opaque green ones.
        const int Width = 32, Height = 24;
        var pixels = new Rgba64[Width * Height];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = i % Width < Width / 2 ? new Rgba64(61680, 7710, 61166, 65535) : new Rgba64(10280, 46260, 10280, 65535);
        byte[] key = [0xF0, 0xF0, 0x1E, 0x1E, 0xEE, 0xEE];
        string input = Write("keyed.png", DeepPngs.WithChunkAfterHeader(DeepPngs.Encode(pixels, Width, Height, PngColorType.Rgb), "tRNS", key));
        string output = Path.Combine(_folder, "keyed-x2.png");
        _resolver.UpscaleFile(input, output);
        var written = DeepPngs.Decode(File.ReadAllBytes(output));

        var eightBit = new byte[Width * Height * 4];
        for (int i = 0; i < pixels.Length; i++)
            if (i % Width >= Width / 2)
                (eightBit[4 * i], eightBit[4 * i + 1], eightBit[4 * i + 2], eightBit[4 * i + 3]) = (40, 180, 40, 255); // Bgra32, premultiplied
        using var reference = _resolver.Upscale(eightBit, Width, Height, MLPixelFormat.Bgra32);
        var expected = reference.Pixels;
        for (int i = 0; i < written.Pixels.Length; i++)
        {
            int a8 = expected[4 * i + 3];
            if (a8 < 128)
                continue;
            var p = written.Pixels[i];
            Assert.True(Math.Abs(p.R / 257.0 - expected[4 * i + 2] * 255.0 / a8) <= 3 && Math.Abs(p.G / 257.0 - expected[4 * i + 1] * 255.0 / a8) <= 3,
                $"pixel {i}: ({p.R / 257}, {p.G / 257}, {p.B / 257}) against the 8-bit path's ({expected[4 * i + 2] * 255 / a8}, {expected[4 * i + 1] * 255 / a8})");
        }
    }

    [Fact]
    public void DetailBelowEightBitSteps_IsUpscaled_NotRoundedAway()
    {
        // A ramp rising 1.5 8-bit steps across the image: through 8 bits it would come out as flat bands, one step apart.
        const int Width = 40, Height = 16;
        var ramp = new Rgba64[Width * Height];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                ushort v = (ushort)(30000 + 10 * x);
                ramp[y * Width + x] = new Rgba64(v, v, v, ushort.MaxValue);
            }
        string input = Write("ramp.png", DeepPngs.Encode(ramp, Width, Height, PngColorType.Grayscale)), output = Path.Combine(_folder, "ramp-x2.png");
        _resolver.UpscaleFile(input, output);

        var written = DeepPngs.Decode(File.ReadAllBytes(output));
        double error = 0;
        int count = 0;
        for (int y = 0; y < 2 * Height; y++)
            for (int x = 8; x < 2 * Width - 8; x++, count++)
                error += Math.Abs(written.Pixels[y * 2 * Width + x].R - (30000 + 10 * ((x + 0.5) / 2 - 0.5)));
        Assert.InRange(error / count, 0, 257 / 8.0);
    }

    [Fact]
    public void ASixteenBitPng_KeepsItsColourProfile()
    {
        byte[] profile = OrientedPhotos.IccProfile(600);
        string input = Write("profiled.png", DeepPngs.WithProfile(DeepPngs.Png(20, 16, PngColorType.Rgb), profile));
        string output = Path.Combine(_folder, "profiled-x2.png");
        _resolver.UpscaleFile(input, output);
        Assert.Equal(profile, ImageFiles.ReadMetadata(output).IccProfile.ToArray());
        Assert.Equal(PngBitDepth.Bit16, DeepPngs.Decode(File.ReadAllBytes(output)).BitDepth);
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".webp")]
    public void ASixteenBitPng_ToAnEightBitFormat_IsRoundedToEightBits_GreyStayingGrey(string extension)
    {
        string input = Write("grey.png", DeepPngs.Png(24, 18, PngColorType.Grayscale)), output = Path.Combine(_folder, "grey-x2" + extension);
        var result = _resolver.UpscaleFile(input, output, quality: 100);
        Assert.Equal((48, 36, 8), (result.OutputWidth, result.OutputHeight, result.BitsPerChannel));
        using var written = Image.Load<Rgb24>(output);
        Assert.Equal((48, 36), (written.Width, written.Height));
        if (extension == ".jpg")
            Assert.Equal(JpegColorType.Luminance, written.Metadata.GetJpegMetadata().ColorType);
        for (int y = 0; y < written.Height; y++)
            for (int x = 0; x < written.Width; x++)
            {
                var p = written[x, y];
                Assert.True(Math.Abs(p.R - p.G) <= 2 && Math.Abs(p.G - p.B) <= 2, $"({x}, {y}) is ({p.R}, {p.G}, {p.B})");
            }
    }

    [Fact]
    public void TransparencyToJpeg_IsSaidToBeDropped()
    {
        string input = Write("alpha.png", DeepPngs.Png(20, 20, PngColorType.RgbWithAlpha));
        Assert.True(_resolver.UpscaleFile(input, Path.Combine(_folder, "alpha.jpg")).TransparencyDropped);
        Assert.False(_resolver.UpscaleFile(input, Path.Combine(_folder, "alpha.webp")).TransparencyDropped);
    }

    [Fact]
    public void AnEightBitFile_IsWrittenByteForByteAsTheMLImagePathWritesIt()
    {
        byte[] photo = OrientedPhotos.PhoneJpeg(6, OrientedPhotos.IccProfile(400));
        string input = Write("phone.jpg", photo);
        foreach (string extension in new[] { ".png", ".jpg" })
        {
            string viaFile = Path.Combine(_folder, "via-file" + extension), viaImage = Path.Combine(_folder, "via-image" + extension);
            var result = _resolver.UpscaleFile(input, viaFile);
            using var upscaled = _resolver.Upscale(input);
            ImageFiles.Save(upscaled, viaImage, ImageFiles.ReadMetadata(input));
            Assert.Equal(File.ReadAllBytes(viaImage), File.ReadAllBytes(viaFile));
            Assert.Equal((upscaled.Width, upscaled.Height, 8), (result.OutputWidth, result.OutputHeight, result.BitsPerChannel));
        }
    }

    [Fact]
    public void ADamagedOrOversizedSixteenBitPng_IsRefusedByName_AndNothingIsWritten()
    {
        byte[] png = DeepPngs.Png(20, 20, PngColorType.Rgb);
        string truncated = Write("cut.png", png[..(png.Length / 2)]), output = Path.Combine(_folder, "never.png");
        var refusal = Assert.Throws<InvalidDataException>(() => _resolver.UpscaleFile(truncated, output));
        Assert.Contains($"'{truncated}' is truncated", refusal.Message);

        string large = Write("large.png", png);
        using var small = new SuperResolver(new SuperResolutionOptions { Scale = 2, MaxInputPixels = 100 });
        refusal = Assert.Throws<InvalidDataException>(() => small.UpscaleFile(large, output));
        Assert.Contains($"'{large}' is 20x20 = 400 pixels, more than the limit of 100", refusal.Message);

        Assert.Throws<ArgumentException>(() => _resolver.UpscaleFile(large, Path.Combine(_folder, "never.tiff")));
        Assert.False(File.Exists(output));
        Assert.Equal(["cut.png", "large.png"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
    }
}
