namespace MLNet.SuperRes.Engine;

/// <summary>What the upscaler must preserve: transparency, and colourless (R = G = B) content.</summary>
internal readonly record struct ContentAnalysis(bool HasAlpha, bool ChannelsEqual)
{
    /// <summary>Of 32-bit pixels.</summary>
    public static ContentAnalysis Of(ReadOnlySpan<byte> pixels, ChannelOffsets channels) => Of(pixels, channels, byte.MaxValue);

    /// <summary>Of 64-bit pixels (four 16-bit values each).</summary>
    public static ContentAnalysis Of(ReadOnlySpan<ushort> pixels, ChannelOffsets channels) => Of(pixels, channels, ushort.MaxValue);

    private static ContentAnalysis Of<T>(ReadOnlySpan<T> pixels, ChannelOffsets channels, T opaque) where T : unmanaged, IEquatable<T>
    {
        bool hasAlpha = false, greyscale = true;
        for (int i = 0; i < pixels.Length; i += 4)
        {
            hasAlpha |= !pixels[i + channels.A].Equals(opaque);
            greyscale &= pixels[i].Equals(pixels[i + 1]) && pixels[i + 1].Equals(pixels[i + 2]);
        }
        return new ContentAnalysis(hasAlpha, greyscale);
    }
}
