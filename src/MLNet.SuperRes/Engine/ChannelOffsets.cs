using Microsoft.ML.Data;

namespace MLNet.SuperRes.Engine;

/// <summary>Byte offsets of the channels inside a 32-bit pixel.</summary>
internal readonly record struct ChannelOffsets(int R, int G, int B, int A)
{
    public static ChannelOffsets Of(MLPixelFormat format) => format switch
    {
        MLPixelFormat.Bgra32 => new(2, 1, 0, 3),
        MLPixelFormat.Rgba32 => new(0, 1, 2, 3),
        _ => throw new ArgumentException($"Unsupported pixel format {format}; expected Bgra32 or Rgba32.", nameof(format)),
    };
}
