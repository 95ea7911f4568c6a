using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.Metadata;
using SkiaSharp;

namespace MLNet.SuperRes;

/// <summary>
/// Image files in and out, with the decoder ML.NET's LoadImages uses (Skia) but read header first: an
/// image larger than the limit is refused before any pixel is decoded, and a truncated, corrupt or
/// animated file is refused rather than decoded in part. Every error names the file. Images come as
/// <see cref="MLImage"/> in Bgra32 with alpha premultiplied, exactly as LoadImages gives them.
/// </summary>
/// <remarks>
/// ML.NET's own <c>LoadImages</c> and <c>MLImage.CreateFromFile</c> decode whatever they are given, in
/// full: a small file declaring a huge image takes gigabytes, a truncated one comes back with garbage
/// where its data ends. For pipelines, <see cref="Microsoft.ML.SuperResolutionCatalog.LoadImagesChecked"/>
/// is LoadImages on this reader.
/// </remarks>
public static class ImageFiles
{
    /// <summary>The file extensions <see cref="Load(string, long)"/> reads (lower case, with the dot).</summary>
    public static IReadOnlyList<string> ReadableExtensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".ico", ".wbmp"];

    /// <summary>
    /// The readable formats that hold a still photograph rather than an animation or an icon: what folders of
    /// images (evaluation, training and calibration sets) are scanned for.
    /// </summary>
    public static IReadOnlyList<string> StillImageExtensions { get; } = [".png", ".bmp", ".jpg", ".jpeg", ".webp"];

    /// <summary>The file extensions <see cref="Save(MLImage, string, int)"/> writes.</summary>
    public static IReadOnlyList<string> WritableExtensions { get; } = [".png", ".jpg", ".jpeg", ".webp"];

    /// <summary>
    /// Reads an image file, refusing it from its header when it has more than <paramref name="maxPixels"/> pixels. An EXIF
    /// orientation (a phone photo stored sideways) is applied, so the image comes upright.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or is a folder.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not an image of a readable format, is larger than <paramref name="maxPixels"/>, is truncated or
    /// corrupt, or is an animation.
    /// </exception>
    public static MLImage Load(string path, long maxPixels = SuperResolutionOptions.DefaultMaxInputPixels) =>
        Load(path, maxPixels, upright: true);

    /// <summary>
    /// As <see cref="Load(string, long)"/>; with <paramref name="upright"/> false the pixels come as stored, whatever the
    /// file's EXIF orientation says.
    /// </summary>
    public static MLImage Load(string path, long maxPixels, bool upright)
    {
        using var stream = OpenImageFile(path);
        var image = Decode(stream, path, maxPixels, upright);
        image.Tag = path;
        return image;
    }

    /// <summary>Reads an image from <paramref name="stream"/> (left open); <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string, long)"/>.</exception>
    public static MLImage Load(Stream stream, string name, long maxPixels = SuperResolutionOptions.DefaultMaxInputPixels) =>
        Load(stream, name, maxPixels, upright: true);

    /// <summary>As <see cref="Load(Stream, string, long)"/>; <paramref name="upright"/> as for <see cref="Load(string, long, bool)"/>.</summary>
    public static MLImage Load(Stream stream, string name, long maxPixels, bool upright)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        return Decode(stream, name, maxPixels, upright);
    }

    /// <summary>
    /// Writes <paramref name="image"/> in the format of <paramref name="path"/>'s extension (PNG, JPEG or WebP)
    /// under a temporary name in the same folder, then renames it: a failure (a full disk, say) leaves an
    /// existing file as it was and nothing partial. The folder is created when missing.
    /// </summary>
    /// <param name="image">The image to write.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="quality">JPEG and WebP quality, 1 to 100.</param>
    /// <exception cref="ArgumentException">The extension names no format this writes.</exception>
    public static void Save(MLImage image, string path, int quality = 95) => Save(image, path, quality, losslessWebp: false);

    /// <summary>
    /// As <see cref="Save(MLImage, string, int)"/>, with the colour profile and EXIF of <paramref name="metadata"/> (those of
    /// the input, from <see cref="ReadMetadata(string, bool)"/>) in the file. The EXIF's pixel dimensions are set to the
    /// image's. A JPEG holds at most 64 KB of EXIF: a larger one is left out of a JPEG.
    /// </summary>
    public static void Save(MLImage image, string path, ImageMetadata metadata, int quality = 95)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Save(image, path, quality, losslessWebp: false, metadata);
    }

    /// <summary>As <see cref="Save(MLImage, string, int)"/>; <paramref name="losslessWebp"/> writes WebP lossless.</summary>
    internal static void Save(MLImage image, string path, int quality, bool losslessWebp, ImageMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var data = Encode(image, EncodedFormatOf(path), quality, losslessWebp, $"'{path}'", metadata);
        AtomicFile.Write(path, stream => stream.Write(data));
    }

    /// <summary>
    /// Writes <paramref name="image"/> to <paramref name="stream"/> (left open) in the format of <paramref name="extension"/>
    /// (one of <see cref="WritableExtensions"/>, the dot optional: "png", ".jpg"): for an image that goes to a network
    /// response or a blob rather than a file.
    /// </summary>
    /// <param name="image">The image to write.</param>
    /// <param name="stream">Where the encoded image goes.</param>
    /// <param name="extension">The format, as a file extension.</param>
    /// <param name="quality">JPEG and WebP quality, 1 to 100.</param>
    /// <exception cref="ArgumentException">The extension names no format this writes.</exception>
    public static void Save(MLImage image, Stream stream, string extension, int quality = 95) =>
        Save(image, stream, extension, ImageMetadata.None, quality);

    /// <summary>
    /// As <see cref="Save(MLImage, Stream, string, int)"/>, with the colour profile and EXIF of <paramref name="metadata"/>, as
    /// <see cref="Save(MLImage, string, ImageMetadata, int)"/> writes them.
    /// </summary>
    public static void Save(MLImage image, Stream stream, string extension, ImageMetadata metadata, int quality = 95)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(extension);
        ArgumentNullException.ThrowIfNull(metadata);
        stream.Write(Encode(image, EncodedFormatOf(extension.StartsWith('.') ? extension : "." + extension, nameof(extension)), quality,
            losslessWebp: false, $"a {extension} stream", metadata));
    }

    /// <summary>
    /// The ICC profile and EXIF of an image file, to write with its upscaled copy. With <paramref name="upright"/> (as
    /// <see cref="Load(string, long, bool)"/> reads the pixels) the EXIF orientation is reset to 1, so the output is not
    /// turned a second time (and a thumbnail, stored turned, is left out); without it the orientation is kept, as the
    /// pixels are. Formats without these (BMP, GIF) give <see cref="ImageMetadata.None"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or is a folder.</exception>
    /// <exception cref="InvalidDataException">The file is not an image of a readable format.</exception>
    public static ImageMetadata ReadMetadata(string path, bool upright = true)
    {
        using var stream = OpenImageFile(path);
        return ReadMetadata(stream, path, upright);
    }

    private static FileStream OpenImageFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' is a folder, not a file.", path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    /// <summary>As <see cref="ReadMetadata(string, bool)"/>, from <paramref name="stream"/> (left open, read to its end).</summary>
    public static ImageMetadata ReadMetadata(Stream stream, string name, bool upright = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        using var file = new MemoryStream();
        var buffer = new byte[81920];
        for (int read; (read = stream.Read(buffer)) > 0;)
        {
            if (file.Length + read > MaxMetadataFileBytes)
                throw new InvalidDataException($"Image file '{name}' is over {MaxMetadataFileBytes >> 20} MB: its metadata are not read.");
            file.Write(buffer, 0, read);
        }
        file.Position = 0;
        _ = Identify(file, name); // an image, or the reason it is not
        return ImageMetadata.Read(file.GetBuffer().AsSpan(0, (int)file.Length), upright);
    }

    /// <summary>
    /// Reads only the header of the image in <paramref name="stream"/> (of a PNG, also its chunk headers: the EXIF may
    /// follow the image data): its upright size, format, frame count and EXIF orientation, so that a caller can decide
    /// (refuse an image too large for it, say) before <see cref="Load(Stream, string, long)"/> decodes a pixel. The
    /// stream is left open at the position it had; <paramref name="name"/> names it in errors.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is not an image of a readable format, or ends within its header.</exception>
    /// <exception cref="ArgumentException">The stream cannot seek (read it into a <see cref="MemoryStream"/> first).</exception>
    public static ImageFileInfo Identify(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanSeek)
            throw new ArgumentException($"Identify needs a stream that can seek, to leave it where it was; '{name}' cannot.", nameof(stream));
        long start = stream.Position;
        try
        {
            using var skiaStream = new SKManagedStream(stream, disposeManagedStream: false);
            using var codec = OpenCodec(skiaStream, name);
            int orientation = OrientationOf(codec, stream, start);
            bool sideways = orientation >= 5; // orientations 5 to 8 swap width and height
            return new ImageFileInfo(sideways ? codec.Info.Height : codec.Info.Width, sideways ? codec.Info.Width : codec.Info.Height,
                codec.EncodedFormat.ToString().ToUpperInvariant(), Math.Max(1, codec.FrameCount), orientation);
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static byte[] Encode(MLImage image, SKEncodedImageFormat format, int quality, bool losslessWebp, string destination,
        ImageMetadata? metadata)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        var pixels = image.Pixels;
        // The channels the image has, not those of MLImage's layout: an opaque image is written without alpha, a grey one
        // as grey (PNG, JPEG; WebP has no grey mode), unless an RGB profile goes with it. JPEG has no alpha either: Skia
        // writes a transparent image's premultiplied values, which a grey one keeps as they are.
        var channels = ChannelOffsets.Of(image.PixelFormat);
        var content = ContentAnalysis.Of(pixels, channels);
        bool grey = content.ChannelsEqual && metadata?.HasRgbProfile != true && format != SKEncodedImageFormat.Webp;
        if (grey && content.HasAlpha && format == SKEncodedImageFormat.Png)
        {
            byte[] png = PngCodec.Write<byte>(Unpremultiplied(pixels, channels), image.Width, image.Height, grey: true, alpha: true);
            return metadata is null || metadata.IsEmpty ? png : metadata.EmbedIn(png, image.Width, image.Height, grey: true);
        }
        var info = new SKImageInfo(image.Width, image.Height,
            grey ? SKColorType.Gray8 : image.PixelFormat == MLPixelFormat.Rgba32 ? SKColorType.Rgba8888 : SKColorType.Bgra8888,
            content.HasAlpha && !grey ? SKAlphaType.Premul : SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        if (bitmap.RowBytes != info.Width * info.BytesPerPixel || bitmap.ByteCount != pixels.Length / 4 * info.BytesPerPixel)
            throw new InvalidOperationException($"Could not lay out a {info.Width}x{info.Height} image for encoding.");
        unsafe
        {
            var target = new Span<byte>((void*)bitmap.GetPixels(), bitmap.ByteCount);
            if (grey)
                for (int i = 0; i < target.Length; i++) target[i] = pixels[4 * i];
            else
                pixels.CopyTo(target);
        }
        using var pixmap = bitmap.PeekPixels();
        using var data = (format == SKEncodedImageFormat.Webp && losslessWebp
                ? pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
                : pixmap.Encode(format, quality))
            ?? throw new InvalidOperationException($"Could not encode the image for {destination}.");
        return metadata is null || metadata.IsEmpty ? data.ToArray() : metadata.EmbedIn(data.AsSpan(), image.Width, image.Height,
            grey);
    }

    /// <summary>
    /// Premultiplied 32-bit pixels as straight RGBA bytes, rounded so that premultiplying them again (as Skia does on
    /// reading) gives back exactly <paramref name="pixels"/>.
    /// </summary>
    private static byte[] Unpremultiplied(ReadOnlySpan<byte> pixels, ChannelOffsets channels)
    {
        var straight = new byte[pixels.Length];
        for (int i = 0; i < pixels.Length; i += 4)
        {
            byte alpha = pixels[i + channels.A];
            float factor = alpha == 0 ? 0f : 255f / alpha;
            straight[i] = CubicKernel.RoundToByte(pixels[i + channels.R] * factor);
            straight[i + 1] = CubicKernel.RoundToByte(pixels[i + channels.G] * factor);
            straight[i + 2] = CubicKernel.RoundToByte(pixels[i + channels.B] * factor);
            straight[i + 3] = alpha;
        }
        return straight;
    }

    /// <summary>
    /// Reads <paramref name="path"/> with 16 bits per channel when it is a 16-bit PNG (which Skia would reduce to 8),
    /// refusing it from its header when larger than <paramref name="maxPixels"/>, turned <paramref name="upright"/> as
    /// <see cref="Load(string, long, bool)"/> turns it, with its metadata as <see cref="ReadMetadata(string, bool)"/> gives
    /// them (from the same read of the file); <c>null</c> for any other file.
    /// </summary>
    internal static (SixteenBitImage Image, ImageMetadata Metadata)? LoadSixteenBitPng(string path, long maxPixels, bool upright)
    {
        using var stream = OpenImageFile(path);
        var head = new byte[PngCodec.HeadLength];
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || !PngCodec.IsSixteenBit(head))
            return null;
        if (stream.Length > MaxMetadataFileBytes)
            throw new InvalidDataException($"Image file '{path}' is over {MaxMetadataFileBytes >> 20} MB: it is not read.");
        var file = new byte[stream.Length];
        head.CopyTo(file, 0);
        stream.ReadExactly(file, head.Length, file.Length - head.Length);
        var image = PngCodec.ReadSixteenBit(file, path, maxPixels);
        var metadata = ImageMetadata.Read(file, upright);
        int orientation = upright ? PngChunks.Orientation(new MemoryStream(file)) : 1;
        if (orientation == 1)
            return (image, metadata);
        int k = DihedralTransform.OfExifOrientation(orientation);
        var (height, width) = DihedralTransform.TransformedSize(k, image.Height, image.Width);
        return (new SixteenBitImage(DihedralTransform.ApplyToPixels(k, image.Pixels, image.Height, image.Width), width, height), metadata);
    }

    /// <summary>
    /// Writes 16-bit <paramref name="image"/> as <see cref="Save(MLImage, string, ImageMetadata, int)"/> writes an
    /// <see cref="MLImage"/>: a PNG keeps the 16 bits (grey when the pixels are, alpha where there is any); JPEG and WebP
    /// hold 8 bits, to which the pixels are rounded. Returns the bits per channel written.
    /// </summary>
    internal static int Save(SixteenBitImage image, string path, ImageMetadata metadata, int quality)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        if (EncodedFormatOf(path) != SKEncodedImageFormat.Png)
        {
            using var reduced = ToEightBit(image);
            Save(reduced, path, metadata, quality);
            return 8;
        }
        var content = ContentAnalysis.Of(image.Pixels, ChannelOffsets.Of(MLPixelFormat.Rgba32));
        bool grey = content.ChannelsEqual && !metadata.HasRgbProfile;
        byte[] data = PngCodec.Write<ushort>(image.Pixels, image.Width, image.Height, grey, content.HasAlpha);
        if (!metadata.IsEmpty)
            data = metadata.EmbedIn(data, image.Width, image.Height, grey);
        AtomicFile.Write(path, stream => stream.Write(data));
        return 16;
    }

    /// <summary>16-bit straight RGBA rounded to the Bgra32 premultiplied pixels of an <see cref="MLImage"/>.</summary>
    private static MLImage ToEightBit(SixteenBitImage image)
    {
        var source = image.Pixels;
        var pixels = new byte[source.Length];
        for (int i = 0; i < source.Length; i += 4)
        {
            byte alpha = CubicKernel.RoundToByte(source[i + 3] / 257f);
            float factor = alpha / (float)ushort.MaxValue;
            pixels[i] = CubicKernel.RoundToByte(source[i + 2] * factor);
            pixels[i + 1] = CubicKernel.RoundToByte(source[i + 1] * factor);
            pixels[i + 2] = CubicKernel.RoundToByte(source[i] * factor);
            pixels[i + 3] = alpha;
        }
        return MLImage.CreateFromPixels(image.Width, image.Height, MLPixelFormat.Bgra32, pixels);
    }

    /// <summary>Whether the format of <paramref name="path"/>'s extension keeps transparency (JPEG does not).</summary>
    public static bool KeepsTransparency(string path) => EncodedFormatOf(path) != SKEncodedImageFormat.Jpeg;

    private static SKEncodedImageFormat EncodedFormatOf(string path, string parameter = "path")
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".png" => SKEncodedImageFormat.Png,
            ".jpg" or ".jpeg" => SKEncodedImageFormat.Jpeg,
            ".webp" => SKEncodedImageFormat.Webp,
            "" => throw new ArgumentException($"'{path}' has no extension to say which format to write ({string.Join(", ", WritableExtensions)}).", parameter),
            _ => throw new ArgumentException($"'{path}': cannot write the format of '{extension}' (use {string.Join(", ", WritableExtensions)}).", parameter),
        };
    }

    private static MLImage Decode(Stream stream, string name, long maxPixels, bool upright)
    {
        var decoded = Decode(stream, name, maxPixels, SKColorType.Bgra8888, SKAlphaType.Premul, upright);
        return MLImage.CreateFromPixels(decoded.Width, decoded.Height, MLPixelFormat.Bgra32, decoded.Pixels);
    }

    /// <summary>
    /// Decodes an image file (header first, as <see cref="Load(string, long)"/>) into 32-bit pixels of
    /// <paramref name="colorType"/> and <paramref name="alphaType"/>, saying whether the file stores one grey channel.
    /// </summary>
    internal static DecodedImage Decode(Stream stream, string name, long maxPixels, SKColorType colorType, SKAlphaType alphaType, bool upright = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        if (!stream.CanSeek)
        {
            // Skia's codecs rewind; a network or pipe stream is read into memory first.
            var buffered = new MemoryStream();
            stream.CopyTo(buffered);
            buffered.Position = 0;
            stream = buffered;
        }
        long start = stream.Position;
        var head = new byte[PngColourTypeOffset + 1];
        int headLength = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;

        using var skiaStream = new SKManagedStream(stream, disposeManagedStream: false);
        using var codec = OpenCodec(skiaStream, name);
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0)
            throw new InvalidDataException($"Image file '{name}' declares an empty image ({width}x{height}).");
        CheckDeclaredSize(name, width, height, maxPixels);
        if (codec.FrameCount > 1)
            throw new InvalidDataException($"Image file '{name}' is an animation of {codec.FrameCount} frames; super-resolve its frames as separate images.");

        var info = new SKImageInfo(width, height, colorType, alphaType);
        var pixels = new byte[info.BytesSize];
        var pin = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        SKCodecResult decoded;
        try { decoded = codec.GetPixels(info, pin.AddrOfPinnedObject()); }
        finally { pin.Free(); }
        if (decoded != SKCodecResult.Success)
            throw new InvalidDataException(decoded switch
            {
                SKCodecResult.IncompleteInput => $"Image file '{name}' is truncated: its {codec.EncodedFormat} data ends before the whole {width}x{height} image.",
                SKCodecResult.ErrorInInput => $"Image file '{name}' is corrupt: its {codec.EncodedFormat} data has errors.",
                _ => $"Image file '{name}' could not be decoded ({decoded}).",
            });
        // Skia reports grey PNGs and JPEGs as Gray8, but grey PNGs with alpha as colour: their IHDR says grey (type 4).
        bool storesGrey = codec.Info.ColorType == SKColorType.Gray8
            || (codec.EncodedFormat == SKEncodedImageFormat.Png && headLength > PngColourTypeOffset && head[PngColourTypeOffset] == 4);
        int orientation = OrientationOf(codec, stream, start);
        if (upright && orientation is > 1 and <= 8)
        {
            int k = DihedralTransform.OfExifOrientation(orientation);
            pixels = DihedralTransform.ApplyToPixels(k, pixels, height, width);
            (height, width) = DihedralTransform.TransformedSize(k, height, width);
        }
        return new DecodedImage(pixels, width, height, storesGrey);
    }

    /// <summary>
    /// The EXIF orientation of the image <paramref name="codec"/> reads from <paramref name="stream"/> (which starts at
    /// <paramref name="start"/>): Skia's for a JPEG or WebP; a PNG's eXIf chunk, which Skia 2.88 does not read, from the
    /// stream. Called once the codec has read what it needs.
    /// </summary>
    private static int OrientationOf(SKCodec codec, Stream stream, long start)
    {
        if (codec.EncodedFormat != SKEncodedImageFormat.Png || codec.EncodedOrigin != SKEncodedOrigin.TopLeft)
            return (int)codec.EncodedOrigin;
        long position = stream.Position;
        stream.Position = start;
        try { return PngChunks.Orientation(stream); }
        finally { stream.Position = position; }
    }

    /// <summary>Refuses, from its header, an image of more than <paramref name="maxPixels"/> pixels or one no buffer can hold.</summary>
    internal static void CheckDeclaredSize(string name, int width, int height, long maxPixels)
    {
        long pixelCount = (long)width * height;
        if (pixelCount > maxPixels || pixelCount * 4 > Array.MaxLength)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Image file '{name}' is {width}x{height} = {pixelCount:N0} pixels, more than the limit of {Math.Min(maxPixels, Array.MaxLength / 4):N0}; it was not decoded."));
    }

    private static SKCodec OpenCodec(SKManagedStream stream, string name) =>
        SKCodec.Create(stream, out SKCodecResult opened)
        ?? throw new InvalidDataException(opened == SKCodecResult.IncompleteInput
            ? $"Image file '{name}' is truncated or damaged: it cannot be read past its header."
            : $"Image file '{name}' is not an image of a format this library reads ({string.Join(", ", ReadableExtensions)}).");

    /// <summary>The largest file <see cref="ReadMetadata(Stream, string, bool)"/> reads: far above any image within the pixel limits.</summary>
    private const long MaxMetadataFileBytes = 1L << 30;

    /// <summary>Where a PNG's colour type byte lies: after the 8-byte signature, the IHDR length and type, width, height, bit depth.</summary>
    private const int PngColourTypeOffset = 25;
}
