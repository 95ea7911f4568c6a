using System.Numerics;

namespace MLNet.SuperRes.Engine;

/// <summary>
/// The alpha channel's upscaling, which does not go through the network: plain bicubic by an integer factor
/// (<see cref="CubicKernel"/>, pixel centres aligned, edges replicated), rounded as the engine rounds.
/// </summary>
internal static class AlphaUpsampler
{
    /// <summary>
    /// Upscales one 8-bit channel read from interleaved pixels (<paramref name="pixelStride"/> bytes per
    /// pixel, channel at <paramref name="channelOffset"/>), returning scale·height rows of scale·width bytes.
    /// </summary>
    public static byte[] UpscaleChannel(ReadOnlySpan<byte> pixels, int width, int height, int pixelStride, int channelOffset, int scale)
        => Upscale(pixels, width, height, pixelStride, channelOffset, scale, static value => CubicKernel.RoundToByte(value));

    /// <summary>As <see cref="UpscaleChannel(ReadOnlySpan{byte}, int, int, int, int, int)"/>, for a 16-bit channel (a stride in values).</summary>
    public static ushort[] UpscaleChannel(ReadOnlySpan<ushort> pixels, int width, int height, int pixelStride, int channelOffset, int scale)
        => Upscale(pixels, width, height, pixelStride, channelOffset, scale, static value => CubicKernel.RoundToUInt16(value));

    private static TOut[] Upscale<T, TOut>(ReadOnlySpan<T> pixels, int width, int height, int pixelStride, int channelOffset, int scale,
        Func<float, TOut> round)
        where T : unmanaged, INumberBase<T>
    {
        int outWidth = width * scale, outHeight = height * scale;
        var (xIndex, xWeight) = Taps(width, scale);
        var (yIndex, yWeight) = Taps(height, scale);

        var rows = new float[height * outWidth];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<T> row = pixels.Slice(y * width * pixelStride, width * pixelStride);
            Span<float> dst = rows.AsSpan(y * outWidth, outWidth);
            for (int x = 0; x < outWidth; x++)
            {
                float sum = 0;
                for (int k = 0; k < 4; k++)
                    sum += xWeight[x * 4 + k] * float.CreateTruncating(row[xIndex[x * 4 + k] * pixelStride + channelOffset]);
                dst[x] = sum;
            }
        }

        var result = new TOut[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            Span<TOut> dst = result.AsSpan(y * outWidth, outWidth);
            for (int x = 0; x < outWidth; x++)
            {
                float sum = 0;
                for (int k = 0; k < 4; k++)
                    sum += yWeight[y * 4 + k] * rows[yIndex[y * 4 + k] * outWidth + x];
                dst[x] = round(sum);
            }
        }
        return result;
    }

    /// <summary>For each output position, the 4 source indices (clamped) and their weights.</summary>
    private static (int[] Index, float[] Weight) Taps(int length, int scale)
    {
        int outLength = length * scale;
        var index = new int[outLength * 4];
        var weight = new float[outLength * 4];
        for (int o = 0; o < outLength; o++)
        {
            double source = (o + 0.5) / scale - 0.5;
            int first = (int)Math.Floor(source) - 1;
            for (int k = 0; k < 4; k++)
            {
                index[o * 4 + k] = Math.Clamp(first + k, 0, length - 1);
                weight[o * 4 + k] = (float)CubicKernel.Keys(source - (first + k));
            }
        }
        return (index, weight);
    }
}
