using System.Buffers;
using System.Numerics;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Engine;

/// <summary>
/// Upscales 32-bit or 64-bit pixels (<see cref="ITilePixels"/>) with a network (<see cref="ITileNetwork"/>): cuts the image into overlapping
/// tiles, runs each (optionally as a self-ensemble), blends the outputs one strip of tiles at a time (so
/// the float buffers stay a few tile-rows high whatever the image size), and handles alpha and greyscale.
/// The image is first extended by mirroring at its borders (<see cref="BorderPadding"/>, and up to
/// <see cref="MinimumSide"/> for tiny images), as Real-ESRGAN and SwinIR pad, so the network's own zero
/// padding never touches the output; the extension is cropped away when the rows are written.
/// Stateless apart from the network, hence thread-safe when the network is.
/// </summary>
internal sealed class TiledUpscaler
{
    /// <summary>Input pixels mirrored beyond each image border.</summary>
    public const int BorderPadding = 4;

    /// <summary>Images narrower or lower than this are mirrored up to it.</summary>
    public const int MinimumSide = 16;

    private readonly ITileNetwork _network;

    public TiledUpscaler(ITileNetwork network, TilePlan tiles, bool selfEnsemble)
    {
        _network = network;
        Tiles = tiles;
        SelfEnsemble = selfEnsemble;
    }

    public int Scale => _network.Scale;

    /// <summary>How images are cut: tile side, overlap, growth into the mirrored margin.</summary>
    public TilePlan Tiles { get; }

    public bool SelfEnsemble { get; }

    /// <summary>
    /// Upscales <paramref name="pixels"/> (<paramref name="width"/> × <paramref name="height"/>, Bgra32 or
    /// Rgba32, alpha premultiplied as MLImage stores it) into a new buffer of the same format.
    /// <paramref name="cancellationToken"/> is checked before each tile; <paramref name="progress"/> hears after each.
    /// </summary>
    public byte[] Upscale(ReadOnlySpan<byte> pixels, int width, int height, MLPixelFormat format,
        IProgress<SuperResolutionProgress>? progress = null, string? imageName = null, CancellationToken cancellationToken = default)
    {
        int scale = Scale;
        var channels = ChannelOffsets.Of(format);
        var content = ContentAnalysis.Of(pixels, channels);
        byte[]? alpha = content.HasAlpha ? AlphaUpsampler.UpscaleChannel(pixels, width, height, 4, channels.A, scale) : null;
        var output = new byte[(long)width * scale * height * scale * 4];
        var tilePixels = new PremultipliedBytePixels(pixels, channels, content.HasAlpha, alpha, output, width * scale);
        Run(ref tilePixels, width, height, content.ChannelsEqual, progress, imageName, cancellationToken);
        return output;
    }

    /// <summary>
    /// Upscales 16-bit RGBA <paramref name="pixels"/> (<paramref name="width"/> × <paramref name="height"/>, alpha not
    /// premultiplied, as a 16-bit PNG stores them) into a new buffer of the same format, with no 8-bit step between.
    /// </summary>
    public ushort[] Upscale(ReadOnlySpan<ushort> pixels, int width, int height,
        IProgress<SuperResolutionProgress>? progress = null, string? imageName = null, CancellationToken cancellationToken = default)
    {
        int scale = Scale;
        var content = ContentAnalysis.Of(pixels, ChannelOffsets.Of(MLPixelFormat.Rgba32));
        ushort[]? alpha = content.HasAlpha ? AlphaUpsampler.UpscaleChannel(pixels, width, height, 4, 3, scale) : null;
        var output = new ushort[(long)width * scale * height * scale * 4];
        var tilePixels = new StraightUInt16Pixels(pixels, alpha, output, width * scale);
        Run(ref tilePixels, width, height, content.ChannelsEqual, progress, imageName, cancellationToken);
        return output;
    }

    /// <summary>
    /// The tile loop: reads each tile from <paramref name="pixels"/>, runs it, blends it into the current strip, and
    /// writes each strip's finished rows back to <paramref name="pixels"/>. Colourless input
    /// (<paramref name="greyscale"/>) is written colourless.
    /// </summary>
    private void Run<TPixels>(ref TPixels pixels, int width, int height, bool greyscale,
        IProgress<SuperResolutionProgress>? progress, string? imageName, CancellationToken cancellationToken)
        where TPixels : ITilePixels, allows ref struct
    {
        int scale = Scale;
        var (source, rows, columns) = Geometry(width, height);
        var crop = new OutputCrop(source.PadTop * scale, source.PadLeft * scale, height * scale, width * scale);
        int outWidth = source.PaddedWidth * scale, outHeight = source.PaddedHeight * scale;

        int tileHeight = rows.TileLength, tileWidth = columns.TileLength;
        int tileInputLength = 3 * tileHeight * tileWidth;
        int tileOutputLength = tileInputLength * scale * scale;
        int stripHeight = tileHeight * scale;
        int stripLength = 3 * stripHeight * outWidth;

        float[] tileInput = ArrayPool<float>.Shared.Rent(tileInputLength);
        float[] tileOutput = ArrayPool<float>.Shared.Rent(tileOutputLength);
        float[] strip = ArrayPool<float>.Shared.Rent(stripLength);
        float[] nextStrip = ArrayPool<float>.Shared.Rent(stripLength);
        try
        {
            Array.Clear(strip, 0, stripLength);
            int tileCount = rows.Starts.Length * columns.Starts.Length, tilesDone = 0;
            for (int i = 0; i < rows.Starts.Length; i++)
            {
                int stripTop = rows.Starts[i] * scale;
                for (int j = 0; j < columns.Starts.Length; j++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ReadTile(ref pixels, source, rows.Starts[i], columns.Starts[j], tileHeight, tileWidth, tileInput.AsSpan(0, tileInputLength));
                    RunTile(tileInput.AsMemory(0, tileInputLength), tileHeight, tileWidth, tileOutput.AsMemory(0, tileOutputLength));
                    AddWeighted(tileOutput, stripHeight, tileWidth * scale, rows.Weights[i], columns.Weights[j],
                        strip, outWidth, columns.Starts[j] * scale);
                    progress?.Report(new SuperResolutionProgress(++tilesDone, tileCount, imageName));
                }

                int finishedEnd = i + 1 < rows.Starts.Length ? rows.Starts[i + 1] * scale : outHeight;
                WriteRows(ref pixels, strip, stripHeight, stripTop, finishedEnd, outWidth, rows.TotalWeight, columns.TotalWeight,
                    greyscale, crop);

                if (i + 1 < rows.Starts.Length)
                {
                    int carriedRows = stripTop + stripHeight - finishedEnd;
                    Array.Clear(nextStrip, 0, stripLength);
                    for (int c = 0; c < 3; c++)
                        Array.Copy(strip, (c * stripHeight + finishedEnd - stripTop) * outWidth,
                            nextStrip, c * stripHeight * outWidth, carriedRows * outWidth);
                    (strip, nextStrip) = (nextStrip, strip);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tileInput);
            ArrayPool<float>.Shared.Return(tileOutput);
            ArrayPool<float>.Shared.Return(strip);
            ArrayPool<float>.Shared.Return(nextStrip);
        }
    }

    /// <summary>
    /// The tile the upscaler runs for input pixel (<paramref name="x"/>, <paramref name="y"/>): its planar RGB
    /// input exactly as read there, and where it lies (where tiles overlap, the one that weighs most at the pixel).
    /// </summary>
    public TileCut CutTile(ReadOnlySpan<byte> pixels, int width, int height, MLPixelFormat format, int x, int y)
    {
        if (x < 0 || x >= width || y < 0 || y >= height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {width}x{height} image.");
        var channels = ChannelOffsets.Of(format);
        var (source, rows, columns) = Geometry(width, height);
        int row = rows.TileAt(y + source.PadTop), column = columns.TileAt(x + source.PadLeft);
        int top = rows.Starts[row], left = columns.Starts[column];
        var input = new float[3 * rows.TileLength * columns.TileLength];
        var tilePixels = new PremultipliedBytePixels(pixels, channels, ContentAnalysis.Of(pixels, channels).HasAlpha);
        ReadTile(ref tilePixels, source, top, left, rows.TileLength, columns.TileLength, input);
        return new TileCut(input, columns.TileLength, rows.TileLength, left - source.PadLeft, top - source.PadTop,
            x + source.PadLeft - left, y + source.PadTop - top);
    }

    /// <summary>Runs the network on one planar RGB tile, averaging the 8 transforms when self-ensembling.</summary>
    private void RunTile(Memory<float> input, int height, int width, Memory<float> output)
    {
        if (!SelfEnsemble)
        {
            _network.Run(input, height, width, output);
            return;
        }

        float[] transformed = ArrayPool<float>.Shared.Rent(input.Length);
        float[] transformedOutput = ArrayPool<float>.Shared.Rent(output.Length);
        try
        {
            Span<float> sum = output.Span;
            sum.Clear();
            int scale = Scale;
            for (int k = 0; k < DihedralTransform.Count; k++)
            {
                var (tHeight, tWidth) = DihedralTransform.TransformedSize(k, height, width);
                DihedralTransform.Apply(k, input.Span, height, width, transformed);
                _network.Run(transformed.AsMemory(0, input.Length), tHeight, tWidth, transformedOutput.AsMemory(0, output.Length));
                DihedralTransform.AccumulateInverse(k, transformedOutput.AsSpan(0, output.Length), height * scale, width * scale, sum);
            }
            foreach (ref float value in sum)
                value *= 1f / DihedralTransform.Count;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(transformed);
            ArrayPool<float>.Shared.Return(transformedOutput);
        }
    }

    /// <summary>The mirrored image and where its tiles go, for an image of <paramref name="width"/> × <paramref name="height"/>.</summary>
    private (MirroredSource Source, TileLayout Rows, TileLayout Columns) Geometry(int width, int height)
    {
        var source = new MirroredSource(width, height, PaddingFor(width), PaddingFor(height));
        return (source, TileLayout.Create(source.PaddedHeight, Tiles.TileLengthFor(height), Tiles.Overlap, Scale),
            TileLayout.Create(source.PaddedWidth, Tiles.TileLengthFor(width), Tiles.Overlap, Scale));
    }

    /// <summary>Input pixels mirrored beyond each border of an image side of <paramref name="side"/> pixels.</summary>
    internal static int PaddingFor(int side) => Math.Max(BorderPadding, (MinimumSide - side + 1) / 2);

    /// <summary>
    /// Reads the tile at <paramref name="top"/>, <paramref name="left"/> of the mirrored image as planar RGB in [0, 1]
    /// (<paramref name="height"/>·<paramref name="width"/> values per plane).
    /// </summary>
    private static void ReadTile<TPixels>(ref TPixels pixels, MirroredSource source, int top, int left, int height, int width,
        Span<float> destination)
        where TPixels : ITilePixels, allows ref struct
    {
        int plane = height * width;
        Span<float> red = destination[..plane], green = destination.Slice(plane, plane), blue = destination.Slice(2 * plane, plane);
        for (int y = 0; y < height; y++)
        {
            int rowStart = source.Row(top + y) * source.Width;
            for (int x = 0, o = y * width; x < width; x++, o++)
                pixels.ReadPixel(rowStart + source.Column(left + x), out red[o], out green[o], out blue[o]);
        }
    }

    /// <summary>Adds a planar tile output, weighted by its separable blend ramps, into the strip.</summary>
    private static void AddWeighted(float[] tile, int tileHeight, int tileWidth, float[] rowWeights, float[] columnWeights,
        float[] strip, int stripWidth, int left)
    {
        int stripHeight = tileHeight;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < tileHeight; y++)
            {
                ReadOnlySpan<float> source = tile.AsSpan((c * tileHeight + y) * tileWidth, tileWidth);
                Span<float> target = strip.AsSpan((c * stripHeight + y) * stripWidth + left, tileWidth);
                MultiplyAdd(source, columnWeights, rowWeights[y], target);
            }
    }

    /// <summary>target[i] += source[i] * weights[i] * factor.</summary>
    private static void MultiplyAdd(ReadOnlySpan<float> source, ReadOnlySpan<float> weights, float factor, Span<float> target)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scale = new Vector<float>(factor);
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var sum = new Vector<float>(target[i..]) + new Vector<float>(source[i..]) * new Vector<float>(weights[i..]) * scale;
                sum.CopyTo(target[i..]);
            }
        }
        for (; i < source.Length; i++)
            target[i] += source[i] * weights[i] * factor;
    }

    /// <summary>
    /// Normalizes the finished rows [<paramref name="stripTop"/>, <paramref name="end"/>) of a strip (in the
    /// mirrored image's output) and writes those inside <paramref name="crop"/> to <paramref name="pixels"/>.
    /// </summary>
    private static void WriteRows<TPixels>(ref TPixels pixels, float[] strip, int stripHeight, int stripTop, int end, int width,
        float[] rowTotals, float[] columnTotals, bool greyscale, OutputCrop crop)
        where TPixels : ITilePixels, allows ref struct
    {
        float[] inverseColumnTotals = ArrayPool<float>.Shared.Rent(width);
        float[] normalized = ArrayPool<float>.Shared.Rent(3 * width);
        try
        {
            for (int x = 0; x < width; x++)
                inverseColumnTotals[x] = 1f / columnTotals[x];
            for (int y = Math.Max(stripTop, crop.Top); y < Math.Min(end, crop.Top + crop.Height); y++)
            {
                int local = y - stripTop;
                float inverseRowTotal = 1f / rowTotals[y];
                for (int c = 0; c < 3; c++)
                    Normalize(strip.AsSpan((c * stripHeight + local) * width, width), inverseColumnTotals, inverseRowTotal,
                        normalized.AsSpan(c * width, width));
                Span<float> red = normalized.AsSpan(crop.Left, crop.Width), green = normalized.AsSpan(width + crop.Left, crop.Width),
                    blue = normalized.AsSpan(2 * width + crop.Left, crop.Width);
                if (greyscale)
                    for (int x = 0; x < crop.Width; x++)
                        red[x] = green[x] = blue[x] = (red[x] + green[x] + blue[x]) * (1f / 3f);
                pixels.WriteRow(y - crop.Top, red, green, blue);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inverseColumnTotals);
            ArrayPool<float>.Shared.Return(normalized);
        }
    }

    /// <summary>destination[i] = clamp(sum[i] * inverseColumnTotals[i] * inverseRowTotal, 0, 1).</summary>
    private static void Normalize(ReadOnlySpan<float> sum, ReadOnlySpan<float> inverseColumnTotals, float inverseRowTotal, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var rowFactor = new Vector<float>(inverseRowTotal);
            for (; i <= sum.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var value = new Vector<float>(sum[i..]) * new Vector<float>(inverseColumnTotals[i..]) * rowFactor;
                Vector.Min(Vector.Max(value, Vector<float>.Zero), Vector<float>.One).CopyTo(destination[i..]);
            }
        }
        for (; i < sum.Length; i++)
            destination[i] = Math.Clamp(sum[i] * inverseColumnTotals[i] * inverseRowTotal, 0f, 1f);
    }
}
