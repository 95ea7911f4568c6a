using System.Buffers.Binary;
using MLNet.SuperRes.Metadata;

namespace MLNet.SuperRes;

/// <summary>
/// The colour profile and EXIF of an image file (<see cref="ImageFiles.ReadMetadata(string, bool)"/>), to carry from an
/// input to its upscaled output (<see cref="ImageFiles.Save(Microsoft.ML.Data.MLImage, string, ImageMetadata, int)"/>).
/// PNG, JPEG and WebP hold both, in and out; other metadata (XMP, IPTC, PNG text) is not carried.
/// </summary>
public sealed class ImageMetadata
{
    private readonly byte[]? _iccProfile;
    private readonly byte[]? _exif;

    internal ImageMetadata(byte[]? iccProfile, byte[]? exif)
    {
        _iccProfile = iccProfile is not null && IsRgbOrGreyProfile(iccProfile) ? iccProfile : null;
        _exif = exif is { Length: > 0 } && ExifBlock.IsWellFormed(exif) ? exif : null;
    }

    /// <summary>No profile and no EXIF.</summary>
    public static ImageMetadata None { get; } = new(null, null);

    /// <summary>The embedded ICC profile, as stored; empty when the file has none (its pixels are then taken as sRGB).</summary>
    public ReadOnlyMemory<byte> IccProfile => _iccProfile;

    /// <summary>
    /// The EXIF (camera, date, place and the rest), as a TIFF structure from its byte-order mark; empty when the file has
    /// none, or has one too damaged to read its orientation from.
    /// </summary>
    public ReadOnlyMemory<byte> Exif => _exif;

    /// <summary>The EXIF orientation these metadata say, 1 (upright, also without EXIF) to 8.</summary>
    public int Orientation => _exif is null ? 1 : ExifBlock.Orientation(_exif);

    /// <summary>The same colour profile without the EXIF: what to write when a photo's camera, date and place must not go out with it.</summary>
    public ImageMetadata WithoutExif() => new(_iccProfile, null);

    /// <summary>The metadata of a file; with <paramref name="upright"/> for pixels turned upright (the orientation reset).</summary>
    internal static ImageMetadata Read(ReadOnlySpan<byte> file, bool upright)
    {
        var (icc, exif) = PngChunks.Is(file) ? PngChunks.Read(file)
            : JpegSegments.Is(file) ? JpegSegments.Read(file)
            : WebpChunks.Is(file) ? WebpChunks.Read(file)
            : (null, null);
        if (upright && exif is not null && !ExifBlock.SetUpright(exif))
            exif = null; // an orientation that cannot be reset would turn the output a second time
        return new ImageMetadata(icc, exif);
    }

    /// <summary>
    /// <paramref name="encoded"/> (a file this library's encoder wrote, of <paramref name="width"/> x <paramref name="height"/>,
    /// in one grey channel or not) with the profile that fits it and the EXIF, its pixel dimensions set to the new size.
    /// </summary>
    internal byte[] EmbedIn(ReadOnlySpan<byte> encoded, int width, int height, bool grey)
    {
        byte[]? exif = _exif?.ToArray();
        if (exif is not null)
            ExifBlock.SetPixelDimensions(exif, width, height);
        byte[]? icc = HasRgbProfile != grey ? _iccProfile : null; // a grey profile says nothing of colour pixels
        return PngChunks.Is(encoded) ? PngChunks.Embed(encoded, icc, exif)
            : JpegSegments.Is(encoded) ? JpegSegments.Embed(encoded, icc, exif)
            : WebpChunks.Is(encoded) ? WebpChunks.Embed(encoded, icc, exif, width, height)
            : throw new InvalidOperationException("The encoder wrote a format the metadata cannot be put in.");
    }

    internal bool IsEmpty => _iccProfile is null && _exif is null;

    /// <summary>Whether the profile is for RGB data: the image is then written in colour, even where it is grey.</summary>
    internal bool HasRgbProfile => _iccProfile is not null && _iccProfile.AsSpan(16, 4).SequenceEqual("RGB "u8);

    /// <summary>
    /// A whole ICC profile header (its size the data's, the 'acsp' signature) for RGB or grey data: the only profiles
    /// that describe what this library writes. A CMYK or Lab one, or a truncated one, describes nothing in the output.
    /// </summary>
    private static bool IsRgbOrGreyProfile(byte[] profile) =>
        profile.Length >= 132 && BinaryPrimitives.ReadUInt32BigEndian(profile) == profile.Length && profile.AsSpan(36, 4).SequenceEqual("acsp"u8)
        && (profile.AsSpan(16, 4).SequenceEqual("RGB "u8) || profile.AsSpan(16, 4).SequenceEqual("GRAY"u8));
}
