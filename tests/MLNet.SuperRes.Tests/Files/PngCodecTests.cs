using System.Buffers.Binary;
using System.IO.Compression;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.Metadata;
using MLNet.SuperRes.Tests.TestData;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace MLNet.SuperRes.Tests.Files;

/// <summary>The PNG reader and writer for what Skia does not do (16 bits, grey with alpha), against ImageSharp's decoder and encoder.</summary>
public sealed class PngCodecTests
{
    public static TheoryData<PngColorType, bool> ColourTypesAndInterlacing()
    {
        var data = new TheoryData<PngColorType, bool>();
        foreach (var type in new[] { PngColorType.Grayscale, PngColorType.GrayscaleWithAlpha, PngColorType.Rgb, PngColorType.RgbWithAlpha })
        {
            data.Add(type, false);
            data.Add(type, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ColourTypesAndInterlacing))]
    public void Read_GivesExactlyWhatImageSharpDecodes(PngColorType colourType, bool interlaced)
    {
        byte[] png = DeepPngs.Png(37, 23, colourType, interlaced); // odd sides: Adam7's passes of every size, some empty columns
        Assert.True(PngCodec.IsSixteenBit(png));
        var expected = DeepPngs.Decode(png);
        Assert.Equal(PngBitDepth.Bit16, expected.BitDepth);

        var image = PngCodec.ReadSixteenBit(png, "deep.png", long.MaxValue);
        Assert.Equal((37, 23), (image.Width, image.Height));
        Assert.Equal(DeepPngs.Values(expected.Pixels), image.Pixels);
    }

    [Theory]
    [InlineData(false, false, PngColorType.Grayscale)]
    [InlineData(true, false, PngColorType.Rgb)]
    [InlineData(false, true, PngColorType.GrayscaleWithAlpha)]
    [InlineData(true, true, PngColorType.RgbWithAlpha)]
    public void Write_IsReadByImageSharpAsWritten_InTheColourTypeAsked(bool colour, bool alpha, PngColorType expectedType)
    {
        var source = DeepPngs.Pixels(29, 18, alpha ? PngColorType.RgbWithAlpha : PngColorType.Rgb, seed: 3);
        ushort[] values = DeepPngs.Values(source);
        if (!colour)
            for (int i = 0; i < values.Length; i += 4) values[i + 1] = values[i + 2] = values[i];

        byte[] png = PngCodec.Write<ushort>(values, 29, 18, grey: !colour, alpha);
        var decoded = DeepPngs.Decode(png);
        Assert.Equal((PngBitDepth.Bit16, expectedType), (decoded.BitDepth!.Value, decoded.ColourType!.Value));
        Assert.Equal(values, DeepPngs.Values(decoded.Pixels));
        Assert.Equal(values, PngCodec.ReadSixteenBit(png, "written.png", long.MaxValue).Pixels);
    }

    [Fact]
    public void WriteInEightBits_GreyWithAlpha_IsReadByImageSharpAsWritten()
    {
        var random = new Random(4);
        var values = new byte[23 * 17 * 4];
        random.NextBytes(values);
        for (int i = 0; i < values.Length; i += 4) values[i + 1] = values[i + 2] = values[i];

        byte[] png = PngCodec.Write<byte>(values, 23, 17, grey: true, alpha: true);
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgba32>(png);
        var metadata = image.Metadata.GetPngMetadata();
        Assert.Equal((PngBitDepth.Bit8, PngColorType.GrayscaleWithAlpha), (metadata.BitDepth!.Value, metadata.ColorType!.Value));
        var decoded = new SixLabors.ImageSharp.PixelFormats.Rgba32[23 * 17];
        image.CopyPixelDataTo(decoded);
        Assert.Equal(values, decoded.SelectMany(p => new[] { p.R, p.G, p.B, p.A }).ToArray());
    }

    [Theory]
    [InlineData(PngColorType.Grayscale)]
    [InlineData(PngColorType.Rgb)]
    public void ATransparentColourKey_MakesExactlyItsPixelsTransparent(PngColorType colourType)
    {
        var pixels = DeepPngs.Pixels(16, 12, colourType);
        var key = pixels[5 * 16 + 7];
        byte[] trns = colourType == PngColorType.Grayscale ? new byte[2] : new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(trns, key.R);
        if (colourType == PngColorType.Rgb)
        {
            BinaryPrimitives.WriteUInt16BigEndian(trns.AsSpan(2), key.G);
            BinaryPrimitives.WriteUInt16BigEndian(trns.AsSpan(4), key.B);
        }
        byte[] png = DeepPngs.WithChunkAfterHeader(DeepPngs.Encode(pixels, 16, 12, colourType), "tRNS", trns);

        var image = PngCodec.ReadSixteenBit(png, "keyed.png", long.MaxValue);
        for (int i = 0; i < pixels.Length; i++)
        {
            bool keyed = pixels[i].R == key.R && pixels[i].G == key.G && pixels[i].B == key.B;
            Assert.Equal(keyed ? 0 : 65535, image.Pixels[4 * i + 3]);
            Assert.Equal((pixels[i].R, pixels[i].G, pixels[i].B), (image.Pixels[4 * i], image.Pixels[4 * i + 1], image.Pixels[4 * i + 2]));
        }
        // (ImageSharp 2.1 leaves a 16-bit colour key opaque: the PNG specification compares all 16 bits, as libpng does.)
    }

    [Fact]
    public void AnEightBitPng_IsNotTakenForOne() =>
        Assert.False(PngCodec.IsSixteenBit(HostileFiles.PngDeclaring(10, 10)));

    [Fact]
    public void ADamagedFile_IsRefusedWithWhatIsWrongAndItsName()
    {
        byte[] png = DeepPngs.Png(20, 20, PngColorType.Rgb);
        string Refusal(byte[] file) => Assert.Throws<InvalidDataException>(() => PngCodec.ReadSixteenBit(file, "scan.png", long.MaxValue)).Message;

        byte[] flipped = (byte[])png.Clone();
        flipped[png.Length / 2] ^= 0x40;
        Assert.Matches("'scan.png' is corrupt: its IDAT chunk fails its CRC check", Refusal(flipped));

        Assert.Contains("'scan.png' is truncated", Refusal(png[..(png.Length * 2 / 3)]));

        byte[] note = DeepPngs.WithChunkAfterHeader(png, "tEXt", "Comment\0scanned"u8.ToArray());
        note[33 + 8 + 4] ^= 0x01; // a damaged text chunk is dropped, as libpng drops it
        Assert.Equal(PngCodec.ReadSixteenBit(png, "scan.png", long.MaxValue).Pixels, PngCodec.ReadSixteenBit(note, "scan.png", long.MaxValue).Pixels);

        byte[] header = png[..33];
        using (var garbage = new MemoryStream())
        {
            garbage.Write(header);
            PngChunks.WriteChunk(garbage, "IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0x12, 0x34]);
            PngChunks.WriteChunk(garbage, "IEND", []);
            Assert.Contains("'scan.png' is corrupt: its PNG image data does not inflate", Refusal(garbage.ToArray()));
        }

        using (var badFilter = new MemoryStream())
        {
            badFilter.Write(header);
            var rows = new byte[20 * (1 + 20 * 6)];
            rows[0] = 7;
            using (var compressed = new MemoryStream())
            {
                using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                    zlib.Write(rows);
                PngChunks.WriteChunk(badFilter, "IDAT", compressed.ToArray());
            }
            PngChunks.WriteChunk(badFilter, "IEND", []);
            Assert.Contains("'scan.png' is corrupt: a row has filter type 7", Refusal(badFilter.ToArray()));
        }
    }

    [Fact]
    public void AHeaderWithoutItsImageData_IsTruncated_BeforeTheImagesBufferIsAllocated()
    {
        using var file = new MemoryStream();
        file.Write(PngChunks.Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 4096);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 4096);
        (header[8], header[9]) = (16, 6);
        PngChunks.WriteChunk(file, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                zlib.Write(new byte[1000]);
            PngChunks.WriteChunk(file, "IDAT", compressed.ToArray());
        }
        PngChunks.WriteChunk(file, "IEND", []);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var refusal = Assert.Throws<InvalidDataException>(() => PngCodec.ReadSixteenBit(file.ToArray(), "empty.png", SuperResolutionOptions.DefaultMaxInputPixels));
        Assert.Contains("'empty.png' is truncated", refusal.Message);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 << 20); // the image would take 128 MB
    }

    [Fact]
    public void AHugeDeclaredImage_IsRefusedFromItsHeader()
    {
        byte[] bomb = HostileFiles.PngDeclaring(50_000, 50_000, bitDepth: 16);
        var refusal = Assert.Throws<InvalidDataException>(() => PngCodec.ReadSixteenBit(bomb, "bomb.png", SuperResolutionOptions.DefaultMaxInputPixels));
        Assert.Contains("'bomb.png' is 50000x50000 = 2,500,000,000 pixels, more than the limit of 16,777,216; it was not decoded", refusal.Message);
    }
}
