using System.Buffers.Binary;
using Microsoft.ML.Data;
using MLNet.SuperRes.Tests.TestData;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Tests;

/// <summary>
/// A photo's colour profile and EXIF go with its upscaled copy (read and checked here by ImageSharp, a writer and reader
/// of its own), turned upright with the pixels, with the new size, and without the EXIF when asked; files without them
/// are written byte for byte as before.
/// </summary>
public sealed class ImageMetadataTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("superres-metadata-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData(".jpg", 132)]
    [InlineData(".png", 132)]
    [InlineData(".webp", 132)]
    [InlineData(".jpg", 150_000)] // three APP2 segments
    [InlineData(".png", 150_000)]
    public void APhotosProfileAndExif_GoWithItsUpscaledCopy_UprightAndWithTheNewSize(string extension, int profileBytes)
    {
        byte[] profile = OrientedPhotos.IccProfile(profileBytes);
        string input = Write("phone.jpg", OrientedPhotos.PhoneJpeg(orientation: 6, profile));
        using var image = ImageFiles.Load(input); // stored 16x10, upright 10x16
        using var bigger = Doubled(image);

        var metadata = ImageFiles.ReadMetadata(input);
        Assert.Equal(1, metadata.Orientation);
        Assert.Equal(profile, metadata.IccProfile.ToArray());
        string output = Path.Combine(_temp, "out" + extension);
        ImageFiles.Save(bigger, output, metadata);

        using var written = Image.Load<Rgba32>(output);
        var exif = written.Metadata.ExifProfile;
        Assert.NotNull(exif);
        Assert.Equal("Phone maker", exif.GetValue(ExifTag.Make)?.Value);
        Assert.Equal("2026:07:14 18:30:05", exif.GetValue(ExifTag.DateTimeOriginal)?.Value);
        Assert.Equal(new Rational[] { new(48, 1), new(51, 1), new(2952, 100) }, exif.GetValue(ExifTag.GPSLatitude)?.Value);
        Assert.Equal((ushort)1, exif.GetValue(ExifTag.Orientation)?.Value); // the pixels were turned: no viewer turns them again
        Assert.Equal((20u, 32u), ((uint)exif.GetValue(ExifTag.PixelXDimension)!.Value, (uint)exif.GetValue(ExifTag.PixelYDimension)!.Value));
        Assert.Equal(profile, IccProfileOf(output, written));

        // The same pixels as the file without them, and the metadata read back as written.
        string plain = Path.Combine(_temp, "plain" + extension);
        ImageFiles.Save(bigger, plain);
        using (var withMetadata = ImageFiles.Load(output))
        using (var without = ImageFiles.Load(plain))
            Assert.True(withMetadata.Pixels.SequenceEqual(without.Pixels));
        var again = ImageFiles.ReadMetadata(output);
        Assert.Equal(profile, again.IccProfile.ToArray());
        Assert.Equal(1, again.Orientation);
    }

    [Fact]
    public void PixelsKeptAsStored_KeepTheirOrientationTag()
    {
        string input = Write("phone.jpg", OrientedPhotos.PhoneJpeg(orientation: 6, OrientedPhotos.IccProfile(132)));
        using var stored = ImageFiles.Load(input, SuperResolutionOptions.DefaultMaxInputPixels, upright: false);
        var metadata = ImageFiles.ReadMetadata(input, upright: false);
        Assert.Equal(6, metadata.Orientation);
        string output = Path.Combine(_temp, "stored.jpg"); // Skia, as ImageFiles reads, turns JPEGs by their tag, not PNGs
        ImageFiles.Save(stored, output, metadata);
        Assert.Equal((ushort)6, Image.Identify(output).Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value);
        using var upright = ImageFiles.Load(output);
        Assert.Equal((10, 16), (upright.Width, upright.Height)); // shown as the input was
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    [InlineData(".webp")]
    public void WithoutExif_TheCameraDateAndPlaceStayBehind_TheProfileGoes(string extension)
    {
        byte[] profile = OrientedPhotos.IccProfile(132);
        string input = Write("phone.jpg", OrientedPhotos.PhoneJpeg(orientation: 1, profile));
        using var image = ImageFiles.Load(input);
        string output = Path.Combine(_temp, "stripped" + extension);
        ImageFiles.Save(image, output, ImageFiles.ReadMetadata(input).WithoutExif());
        var info = Image.Identify(output);
        Assert.Null(info.Metadata.ExifProfile);
        Assert.Equal(profile, IccProfileOf(output, info));
        Assert.True(File.ReadAllBytes(output).AsSpan().IndexOf("Phone maker"u8) < 0, "the camera's name is still in the file");
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    [InlineData(".webp")]
    public void AFileWithoutMetadata_IsWrittenByteForByteAsBefore(string extension)
    {
        using var image = TestImages.Texture(24, 16, seed: 3);
        string before = Path.Combine(_temp, "before" + extension), after = Path.Combine(_temp, "after" + extension);
        ImageFiles.Save(image, before);
        var metadata = ImageFiles.ReadMetadata(before);
        Assert.True(metadata.IccProfile.IsEmpty && metadata.Exif.IsEmpty);
        ImageFiles.Save(image, after, metadata);
        Assert.Equal(File.ReadAllBytes(before), File.ReadAllBytes(after));
    }

    [Fact]
    public void AProfileWithAPartMissing_OrExifThatCannotBeWalked_IsLeftOut_AndTheImageStillReads()
    {
        byte[] file = OrientedPhotos.PhoneJpeg(orientation: 6, OrientedPhotos.IccProfile(150_000));
        // Drop the second ICC_PROFILE segment, and point the EXIF's first IFD past its end.
        var second = JpegAppSegments(file).Where(s => s.Name == "ICC_PROFILE").ElementAt(1);
        file = [.. file.AsSpan(0, second.Start), .. file.AsSpan(second.Start + second.Length)];
        var exifSegment = JpegAppSegments(file).Single(s => s.Name == "Exif");
        int tiff = exifSegment.Start + 4 + 6;
        if (file[tiff] == 'I') BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(tiff + 4), 0x7FFF_FFF0);
        else BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(tiff + 4), 0x7FFF_FFF0);
        string input = Write("damaged.jpg", file);

        var metadata = ImageFiles.ReadMetadata(input);
        Assert.True(metadata.IccProfile.IsEmpty);
        Assert.True(metadata.Exif.IsEmpty);
        using var image = ImageFiles.Load(input);
        ImageFiles.Save(image, Path.Combine(_temp, "out.png"), metadata);
    }

    [Fact]
    public void AGreyPhotoWithAnRgbProfile_IsWrittenInColour_SoThatTheProfileFits_AndAGreyProfileGoesOnlyWithGrey()
    {
        using var grey = TestImages.Texture(24, 16, seed: 5, greyscale: true);
        string rgbTagged = Path.Combine(_temp, "rgb-profile.png"), untagged = Path.Combine(_temp, "untagged.png");
        ImageFiles.Save(grey, rgbTagged, new ImageMetadata(OrientedPhotos.IccProfile(132), null));
        ImageFiles.Save(grey, untagged);
        Assert.Equal(2, File.ReadAllBytes(rgbTagged)[25]); // IHDR colour type: RGB, as the profile says
        Assert.Equal(0, File.ReadAllBytes(untagged)[25]);  // grey, as before
        Assert.Equal(OrientedPhotos.IccProfile(132), IccProfileOf(rgbTagged, Image.Identify(rgbTagged)));

        var greyProfile = new ImageMetadata(OrientedPhotos.IccProfile(132, "GRAY"), null);
        string greyTagged = Path.Combine(_temp, "grey-profile.png"), colourWithGreyProfile = Path.Combine(_temp, "colour.png");
        ImageFiles.Save(grey, greyTagged, greyProfile);
        Assert.Equal(0, File.ReadAllBytes(greyTagged)[25]);
        Assert.Equal(OrientedPhotos.IccProfile(132, "GRAY"), IccProfileOf(greyTagged, Image.Identify(greyTagged)));
        using var colour = TestImages.Texture(24, 16, seed: 5);
        ImageFiles.Save(colour, colourWithGreyProfile, greyProfile);
        Assert.Null(IccProfileOf(colourWithGreyProfile, Image.Identify(colourWithGreyProfile)));
    }

    [Theory]
    [InlineData("CMYK", 0)]  // the decoder gives RGB: a CMYK profile describes nothing written
    [InlineData("RGB ", 1)]  // its size field says one byte more than it has: truncated
    public void AProfileThatCannotDescribeTheOutput_IsLeftOut(string colourSpace, int missing)
    {
        byte[] profile = OrientedPhotos.IccProfile(400, colourSpace)[..(400 - missing)];
        string input = Write("photo.jpg", OrientedPhotos.PhoneJpeg(orientation: 1, profile));
        Assert.True(ImageFiles.ReadMetadata(input).IccProfile.IsEmpty);
        Assert.False(ImageFiles.ReadMetadata(input).Exif.IsEmpty);
    }

    [Fact]
    public void BigEndianExif_WithTwoOrientationEntries_IsSetUpright_AndLosesTheTurnedThumbnailsLink()
    {
        // MM, 42, IFD0 at 8: two orientation entries (6 and 8), then a link to a thumbnail IFD at 38.
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 2,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0,
            0, 0, 0, 38, 0, 0];
        string input = Write("mm.jpg", JpegWithExif(tiff));
        Assert.Equal(6, ImageFiles.ReadMetadata(input, upright: false).Orientation);
        byte[] upright = ImageFiles.ReadMetadata(input).Exif.ToArray();
        Assert.Equal(1, ImageFiles.ReadMetadata(input).Orientation);
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, upright[18..22]);
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, upright[30..34]);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, upright[34..38]);
    }

    [Fact]
    public void NoFile_IsNamed()
    {
        string missing = Path.Combine(_temp, "missing.jpg");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => ImageFiles.ReadMetadata(missing)).Message);
        string text = Write("notes.png", "not an image"u8.ToArray());
        Assert.Contains(text, Assert.Throws<InvalidDataException>(() => ImageFiles.ReadMetadata(text)).Message);
    }

    /// <summary>
    /// The profile in a written file: as ImageSharp reads it from a JPEG or WebP, and from a PNG's iCCP chunk as the PNG
    /// specification lays it out (ImageSharp 2 does not read it).
    /// </summary>
    private static byte[]? IccProfileOf(string path, IImageInfo info)
    {
        if (!path.EndsWith(".png", StringComparison.Ordinal))
            return info.Metadata.IccProfile?.ToByteArray();
        byte[] file = File.ReadAllBytes(path);
        byte[]? found = null;
        for (int at = 8; at + 12 <= file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            Assert.True(BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length)) == HostileFiles.Crc32(file.AsSpan(at + 4, 4 + length)),
                $"the CRC of the {System.Text.Encoding.ASCII.GetString(file, at + 4, 4)} chunk");
            if (file.AsSpan(at + 4, 4).SequenceEqual("iCCP"u8))
            {
                var data = file.AsSpan(at + 8, length);
                int name = data.IndexOf((byte)0);
                Assert.Equal(0, data[name + 1]); // deflate
                using var zlib = new System.IO.Compression.ZLibStream(new MemoryStream(data[(name + 2)..].ToArray()), System.IO.Compression.CompressionMode.Decompress);
                using var profile = new MemoryStream();
                zlib.CopyTo(profile);
                found = profile.ToArray();
            }
            at += 12 + length;
        }
        return found;
    }

    /// <summary>A small JPEG with <paramref name="tiff"/> as its EXIF, spliced in after the start marker.</summary>
    private static byte[] JpegWithExif(byte[] tiff)
    {
        using var image = new Image<Rgba32>(8, 8, new Rgba32(90, 120, 200));
        using var jpeg = new MemoryStream();
        image.SaveAsJpeg(jpeg);
        byte[] plain = jpeg.ToArray();
        int length = tiff.Length + 8;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. "Exif\0\0"u8, .. tiff, .. plain.AsSpan(2)];
    }

    private string Write(string name, byte[] data)
    {
        string path = Path.Combine(_temp, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static MLImage Doubled(MLImage image)
    {
        var pixels = image.Pixels;
        int width = 2 * image.Width, height = 2 * image.Height;
        var doubled = new byte[4 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                pixels.Slice(4 * ((y / 2) * image.Width + x / 2), 4).CopyTo(doubled.AsSpan(4 * (y * width + x)));
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, doubled);
    }

    /// <summary>A JPEG's APPn segments before the scan: the name that opens each, where the marker starts, the whole length.</summary>
    private static List<(string Name, int Start, int Length)> JpegAppSegments(byte[] file)
    {
        var segments = new List<(string, int, int)>();
        for (int at = 2; file[at] == 0xFF && file[at + 1] != 0xDA;)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(at + 2)) + 2;
            if (file[at + 1] is >= 0xE0 and <= 0xEF)
            {
                int end = Array.IndexOf(file, (byte)0, at + 4);
                segments.Add((System.Text.Encoding.ASCII.GetString(file, at + 4, Math.Max(0, Math.Min(end, at + length) - at - 4)), at, length));
            }
            at += length;
        }
        return segments;
    }
}
