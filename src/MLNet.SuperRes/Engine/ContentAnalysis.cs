namespace MLNet.SuperRes.Engine;

/// <summary>What the upscaler must preserve: transparency, and colourless (R = G = B) content.</summary>
internal readonly record struct ContentAnalysis(bool HasAlpha, bool ChannelsEqual)
{
    public static ContentAnalysis Of(ReadOnlySpan<byte> pixels, ChannelOffsets channels)
    {
        bool hasAlpha = false, greyscale = true;
        for (int i = 0; i < pixels.Length; i += 4)
        {
            hasAlpha |= pixels[i + channels.A] != 255;
            greyscale &= pixels[i] == pixels[i + 1] && pixels[i + 1] == pixels[i + 2];
        }
        return new ContentAnalysis(hasAlpha, greyscale);
    }
}
