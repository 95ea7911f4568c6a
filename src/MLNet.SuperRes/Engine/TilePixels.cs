namespace MLNet.SuperRes.Engine;

/// <summary>
/// The pixels <see cref="TiledUpscaler"/> reads its tiles from and writes output rows to: the one place where a pixel
/// layout (its depth, channel order, premultiplication) meets the engine's planar RGB in [0, 1].
/// </summary>
internal interface ITilePixels
{
    /// <summary>Input pixel <paramref name="index"/> (row-major) as RGB in [0, 1].</summary>
    void ReadPixel(int index, out float red, out float green, out float blue);

    /// <summary>Writes output row <paramref name="row"/> from RGB in [0, 1], with the row's upscaled alpha.</summary>
    void WriteRow(int row, ReadOnlySpan<float> red, ReadOnlySpan<float> green, ReadOnlySpan<float> blue);
}

/// <summary>
/// 32-bit pixels (Bgra32 or Rgba32) with alpha premultiplied, as <see cref="Microsoft.ML.Data.MLImage"/> stores them: the
/// premultiplication is undone on reading and redone on writing, with the upscaled alpha.
/// </summary>
internal ref struct PremultipliedBytePixels : ITilePixels
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly ChannelOffsets _channels;
    private readonly bool _hasAlpha;
    private readonly byte[]? _outputAlpha;
    private readonly byte[]? _output;
    private readonly int _outputWidth;

    public PremultipliedBytePixels(ReadOnlySpan<byte> input, ChannelOffsets channels, bool hasAlpha, byte[]? outputAlpha = null,
        byte[]? output = null, int outputWidth = 0)
    {
        _input = input;
        _channels = channels;
        _hasAlpha = hasAlpha;
        _outputAlpha = outputAlpha;
        _output = output;
        _outputWidth = outputWidth;
    }

    public readonly void ReadPixel(int index, out float red, out float green, out float blue)
    {
        ReadOnlySpan<byte> pixel = _input.Slice(index * 4, 4);
        float inverse = 1f / 255f;
        if (_hasAlpha)
        {
            byte a = pixel[_channels.A];
            inverse = a == 0 ? 0f : 1f / a;
        }
        red = MathF.Min(1f, pixel[_channels.R] * inverse);
        green = MathF.Min(1f, pixel[_channels.G] * inverse);
        blue = MathF.Min(1f, pixel[_channels.B] * inverse);
    }

    public readonly void WriteRow(int row, ReadOnlySpan<float> red, ReadOnlySpan<float> green, ReadOnlySpan<float> blue)
    {
        Span<byte> target = _output.AsSpan((int)((long)row * _outputWidth * 4), _outputWidth * 4);
        ReadOnlySpan<byte> alpha = _outputAlpha is null ? default : _outputAlpha.AsSpan((int)((long)row * _outputWidth), _outputWidth);
        for (int x = 0; x < _outputWidth; x++)
        {
            float a = _outputAlpha is null ? 255f : alpha[x];
            Span<byte> pixel = target.Slice(x * 4, 4);
            pixel[_channels.R] = CubicKernel.RoundToByte(red[x] * a);
            pixel[_channels.G] = CubicKernel.RoundToByte(green[x] * a);
            pixel[_channels.B] = CubicKernel.RoundToByte(blue[x] * a);
            pixel[_channels.A] = (byte)a;
        }
    }
}

/// <summary>
/// 64-bit RGBA pixels, four 16-bit values each, alpha not premultiplied (as a 16-bit PNG stores them).
/// </summary>
internal ref struct StraightUInt16Pixels : ITilePixels
{
    private readonly ReadOnlySpan<ushort> _input;
    private readonly ushort[]? _outputAlpha;
    private readonly ushort[] _output;
    private readonly int _outputWidth;

    public StraightUInt16Pixels(ReadOnlySpan<ushort> input, ushort[]? outputAlpha, ushort[] output, int outputWidth)
    {
        _input = input;
        _outputAlpha = outputAlpha;
        _output = output;
        _outputWidth = outputWidth;
    }

    public readonly void ReadPixel(int index, out float red, out float green, out float blue)
    {
        ReadOnlySpan<ushort> pixel = _input.Slice(index * 4, 4);
        // A colour under full transparency is nothing to see; read black, as premultiplied pixels give it, so that it
        // does not bleed into its visible neighbours.
        float inverse = pixel[3] == 0 ? 0f : 1f / ushort.MaxValue;
        red = pixel[0] * inverse;
        green = pixel[1] * inverse;
        blue = pixel[2] * inverse;
    }

    public readonly void WriteRow(int row, ReadOnlySpan<float> red, ReadOnlySpan<float> green, ReadOnlySpan<float> blue)
    {
        Span<ushort> target = _output.AsSpan((int)((long)row * _outputWidth * 4), _outputWidth * 4);
        ReadOnlySpan<ushort> alpha = _outputAlpha is null ? default : _outputAlpha.AsSpan((int)((long)row * _outputWidth), _outputWidth);
        for (int x = 0; x < _outputWidth; x++)
        {
            Span<ushort> pixel = target.Slice(x * 4, 4);
            pixel[0] = CubicKernel.RoundToUInt16(red[x] * ushort.MaxValue);
            pixel[1] = CubicKernel.RoundToUInt16(green[x] * ushort.MaxValue);
            pixel[2] = CubicKernel.RoundToUInt16(blue[x] * ushort.MaxValue);
            pixel[3] = _outputAlpha is null ? ushort.MaxValue : alpha[x];
        }
    }
}
