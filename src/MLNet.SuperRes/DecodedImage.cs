namespace MLNet.SuperRes;

/// <summary>Decoded 32-bit pixels, and whether the file stored one grey channel (a grey PNG, a luminance-only JPEG).</summary>
internal sealed record DecodedImage(byte[] Pixels, int Width, int Height, bool StoresGrey);
