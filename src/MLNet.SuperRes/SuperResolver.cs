using System.Globalization;
using Microsoft.ML.Data;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Files;

namespace MLNet.SuperRes;

/// <summary>
/// Super-resolves single images outside an ML.NET pipeline, with the same engine as
/// <see cref="Microsoft.ML.SuperResolutionCatalog.SuperResolve(Microsoft.ML.TransformsCatalog, string, string?, int)"/>:
/// one ONNX Runtime session, shared by all threads (<see cref="Upscale(MLImage)"/> is thread-safe).
/// </summary>
/// <example>
/// <code>
/// using var resolver = new SuperResolver(scale: 2);
/// using var large = resolver.Upscale("small.png");
/// ImageFiles.Save(large, "large.png");
/// </code>
/// </example>
public sealed class SuperResolver : IDisposable
{
    private readonly SuperResolutionSession _session;
    private readonly TiledUpscaler _upscaler;
    private readonly long _maxInputPixels;
    private volatile bool _disposed;

    /// <summary>Creates a super-resolver running the embedded default HSPAN model for <paramref name="scale"/> (2, 3 or 4).</summary>
    public SuperResolver(int scale = DefaultModels.DefaultScale)
        : this(new SuperResolutionOptions { Scale = scale })
    {
    }

    /// <summary>
    /// Creates a super-resolver from <paramref name="options"/> (column names are ignored). Only apply models
    /// from trusted sources.
    /// </summary>
    public SuperResolver(SuperResolutionOptions options)
        : this(ModelSource.From(Validate(options)), options)
    {
    }

    internal SuperResolver(ModelSource model, SuperResolutionOptions options)
    {
        Options = Validate(options).Clone();
        Model = model;
        _session = SuperResolutionSession.Open(model, Options);
        try
        {
            _upscaler = new TiledUpscaler(_session, TilePlan.For(_session.Interface, Options, _session.AttentionRunsAsKernel), Options.SelfEnsemble);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        _maxInputPixels = Options.MaxInputPixels;
    }

    /// <summary>How many times larger the output is than the input, in each dimension.</summary>
    public int Scale => _session.Scale;

    /// <summary>The tile side in input pixels actually used (from the options or the memory budget).</summary>
    public int TileSize => _upscaler.Tiles.TileSize;

    /// <summary>How this resolver cuts images into tiles.</summary>
    public TilePlan Tiles => _upscaler.Tiles;

    /// <summary>Where the network runs: <c>CPU</c> or <c>CUDA (GPU n)</c>.</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    /// <summary>
    /// Why the CUDA execution provider did not start, when <see cref="SuperResolutionOptions.FallbackToCpu"/> made
    /// this resolver run on the CPU instead; otherwise <c>null</c>.
    /// </summary>
    public string? CudaFailure => _session.CudaFailure;

    /// <summary>
    /// Why the model's attention runs as its standard-op graph on the CPU instead of the runtime's attention kernel
    /// (an ONNX Runtime without the C API the kernel needs, or a model expecting another kernel version); otherwise
    /// <c>null</c>, also for models without the attention function and on CUDA, where the graph is meant to run.
    /// </summary>
    public string? AttentionKernelFailure => _session.AttentionKernelFailure;

    /// <summary>The ONNX model's metadata (architecture, scale, and so on).</summary>
    public IReadOnlyDictionary<string, string> ModelMetadata => _session.Metadata;

    internal SuperResolutionOptions Options { get; }

    internal ModelSource Model { get; }

    /// <summary>
    /// Returns a new image <see cref="Scale"/> times larger than <paramref name="image"/>, in its pixel format.
    /// Transparency is upscaled separately (bicubic) and kept; greyscale content stays greyscale.
    /// </summary>
    public MLImage Upscale(MLImage image) => Upscale(image, progress: null);

    /// <summary>
    /// As <see cref="Upscale(MLImage)"/>, reporting to <paramref name="progress"/> after each tile (with the image's
    /// <see cref="MLImage.Tag"/> as its name) and checking <paramref name="cancellationToken"/> before each; a
    /// cancellation throws <see cref="OperationCanceledException"/> and returns nothing.
    /// </summary>
    public MLImage Upscale(MLImage image, IProgress<SuperResolutionProgress>? progress, CancellationToken cancellationToken = default)
    {
        byte[] output = UpscalePixels(image, out int width, out int height, progress, cancellationToken);
        MLImage result = MLImage.CreateFromPixels(width * Scale, height * Scale, image.PixelFormat, output);
        result.Tag = image.Tag;
        return result;
    }

    /// <summary>
    /// Reads the image file <paramref name="path"/> with <see cref="ImageFiles.Load(string, long)"/> (refused from
    /// its header when larger than <see cref="SuperResolutionOptions.MaxInputPixels"/>, or when truncated or corrupt)
    /// and returns it <see cref="Scale"/> times larger, in Bgra32.
    /// </summary>
    public MLImage Upscale(string path) => Upscale(path, progress: null);

    /// <summary>As <see cref="Upscale(string)"/>, with progress after each tile and cancellation before each, as <see cref="Upscale(MLImage, IProgress{SuperResolutionProgress}?, CancellationToken)"/>.</summary>
    public MLImage Upscale(string path, IProgress<SuperResolutionProgress>? progress, CancellationToken cancellationToken = default)
    {
        using var image = ImageFiles.Load(path, _maxInputPixels);
        return Upscale(image, progress, cancellationToken);
    }

    /// <summary>As <see cref="Upscale(string)"/>, for an image read from <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    public MLImage Upscale(Stream stream, string name)
    {
        using var image = ImageFiles.Load(stream, name, _maxInputPixels);
        return Upscale(image);
    }

    /// <summary>
    /// Reads the image file <paramref name="inputPath"/> (as <see cref="Upscale(string)"/>), upscales it and writes it to
    /// <paramref name="outputPath"/> in the format of its extension, under a temporary name then renamed, with the input's
    /// colour profile and EXIF (<see cref="ImageFiles.Save(MLImage, string, ImageMetadata, int)"/>). A 16-bit PNG is read
    /// and upscaled with its 16 bits, and written as a 16-bit PNG (JPEG and WebP hold 8 bits: it is rounded to them);
    /// every other file goes through 8 bits, as an <see cref="MLImage"/> does. Grey stays grey and alpha is written only
    /// where the input has some, in PNG also for 16 bits.
    /// </summary>
    /// <param name="inputPath">The image file to read.</param>
    /// <param name="outputPath">The file to write (.png, .jpg, .jpeg or .webp).</param>
    /// <param name="upright">Apply the EXIF orientation (the output is then tagged upright); false keeps the pixels as stored.</param>
    /// <param name="stripMetadata">Write no EXIF (camera, date, place); the colour profile, which says what the pixel values mean, is kept.</param>
    /// <param name="quality">JPEG and WebP quality, 1 to 100.</param>
    /// <param name="progress">Hears after each tile.</param>
    /// <param name="cancellationToken">Checked before each tile; a cancellation writes nothing.</param>
    /// <exception cref="ArgumentException">The output extension names no format this writes, or the image is too large.</exception>
    /// <exception cref="InvalidDataException">As for <see cref="ImageFiles.Load(string, long)"/>.</exception>
    public UpscaledFile UpscaleFile(string inputPath, string outputPath, bool upright = true, bool stripMetadata = false, int quality = 95,
        IProgress<SuperResolutionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        bool keepsTransparency = ImageFiles.KeepsTransparency(outputPath); // refuses an unknown extension before any work
        if (ImageFiles.LoadSixteenBitPng(inputPath, _maxInputPixels, upright) is var (deep, deepMetadata))
        {
            CheckSize(deep.Width, deep.Height, _maxInputPixels, Scale);
            _upscaler.Tiles.CheckFits(deep.Width, deep.Height, _session.Interface);
            ushort[] pixels = _upscaler.Upscale(deep.Pixels, deep.Width, deep.Height, progress, inputPath, cancellationToken);
            var upscaled = new SixteenBitImage(pixels, deep.Width * Scale, deep.Height * Scale);
            int bits = ImageFiles.Save(upscaled, outputPath, stripMetadata ? deepMetadata.WithoutExif() : deepMetadata, quality);
            bool transparent = ContentAnalysis.Of(deep.Pixels, ChannelOffsets.Of(MLPixelFormat.Rgba32)).HasAlpha;
            return new UpscaledFile(deep.Width, deep.Height, upscaled.Width, upscaled.Height, bits, transparent && !keepsTransparency);
        }

        var metadata = ImageFiles.ReadMetadata(inputPath, upright);
        if (stripMetadata)
            metadata = metadata.WithoutExif();
        using var image = ImageFiles.Load(inputPath, _maxInputPixels, upright);
        using var result = Upscale(image, progress, cancellationToken);
        ImageFiles.Save(result, outputPath, metadata, quality);
        bool hasAlpha = ContentAnalysis.Of(image.Pixels, ChannelOffsets.Of(image.PixelFormat)).HasAlpha;
        return new UpscaledFile(image.Width, image.Height, result.Width, result.Height, 8, hasAlpha && !keepsTransparency);
    }

    /// <summary>
    /// Upscales raw 32-bit pixels (<paramref name="width"/> × <paramref name="height"/>, rows without
    /// padding, in <paramref name="pixelFormat"/>, alpha premultiplied as in <see cref="MLImage"/>) into a
    /// new image <see cref="Scale"/> times larger.
    /// </summary>
    public MLImage Upscale(ReadOnlySpan<byte> pixels, int width, int height, MLPixelFormat pixelFormat)
    {
        byte[] output = UpscalePixels(pixels, width, height, pixelFormat);
        return MLImage.CreateFromPixels(width * Scale, height * Scale, pixelFormat, output);
    }

    /// <summary>The upscaled pixels of <paramref name="image"/>, in its format; <paramref name="width"/> and <paramref name="height"/> are the input's.</summary>
    internal byte[] UpscalePixels(MLImage image, out int width, out int height,
        IProgress<SuperResolutionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            width = image.Width;
            height = image.Height;
        }
        catch (InvalidOperationException e)
        {
            throw new ObjectDisposedException(
                "The MLImage to super-resolve has been disposed. (ML.NET's image getters dispose the image they " +
                "handed out when they are called again with the same variable.)", e);
        }
        return UpscalePixels(image.Pixels, width, height, image.PixelFormat, progress, image.Tag, cancellationToken);
    }

    /// <summary>The upscaled pixels, <see cref="Scale"/>·width × <see cref="Scale"/>·height, same format.</summary>
    internal byte[] UpscalePixels(ReadOnlySpan<byte> pixels, int width, int height, MLPixelFormat pixelFormat,
        IProgress<SuperResolutionProgress>? progress = null, string? imageName = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSize(width, height, _maxInputPixels, Scale);
        _upscaler.Tiles.CheckFits(width, height, _session.Interface);
        if (pixels.Length != (long)width * height * 4)
            throw new ArgumentException(
                $"Got {pixels.Length} bytes of pixels for a {width}x{height} image; expected {(long)width * height * 4} (4 bytes per pixel).",
                nameof(pixels));
        return _upscaler.Upscale(pixels, width, height, pixelFormat, progress, imageName, cancellationToken);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _session.Dispose();
    }

    internal static void CheckSize(int width, int height, long maxInputPixels, int scale)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"The image has zero size ({width}x{height}); there is nothing to super-resolve.");
        long inputPixels = (long)width * height;
        if (inputPixels > maxInputPixels)
            throw new ArgumentException(
                $"The image is {width}x{height} = {inputPixels.ToString("N0", CultureInfo.InvariantCulture)} pixels, more than the limit of " +
                $"{maxInputPixels.ToString("N0", CultureInfo.InvariantCulture)} set by {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.MaxInputPixels)}.");
        if (inputPixels * scale * scale * 4 > Array.MaxLength)
            throw new ArgumentException(
                $"The image is {width}x{height}; its x{scale} output would exceed the largest buffer .NET can allocate.");
    }

    /// <summary>Checks every setting, naming the bad one.</summary>
    internal static SuperResolutionOptions Validate(SuperResolutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Scale is int scale && scale < 1)
            throw new ArgumentOutOfRangeException(nameof(options), scale, $"{nameof(SuperResolutionOptions.Scale)} must be at least 1.");
        if (options.TileSize < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.TileSize, $"{nameof(SuperResolutionOptions.TileSize)} must be 0 (automatic) or positive.");
        if (options.AttentionMemoryBudgetBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.AttentionMemoryBudgetBytes,
                $"{nameof(SuperResolutionOptions.AttentionMemoryBudgetBytes)} must be positive.");
        if (options.TileOverlap < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.TileOverlap, $"{nameof(SuperResolutionOptions.TileOverlap)} must not be negative.");
        int tile = options.TileSize > 0 ? options.TileSize : TilePlan.BudgetTile(options.AttentionMemoryBudgetBytes); // with TileSize 0 the model may choose another; the plan checks that one
        if (options.TileSize > 0 && 2 * options.TileOverlap >= tile)
            throw new ArgumentOutOfRangeException(nameof(options), options.TileOverlap,
                $"{nameof(SuperResolutionOptions.TileOverlap)} ({options.TileOverlap}) must be less than half the tile size ({tile}).");
        if (options.MaxInputPixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxInputPixels, $"{nameof(SuperResolutionOptions.MaxInputPixels)} must be positive.");
        if (options.InputSizeMultiple is int multiple && multiple < 1)
            throw new ArgumentOutOfRangeException(nameof(options), multiple, $"{nameof(SuperResolutionOptions.InputSizeMultiple)} must be at least 1.");
        if (options.InputRange is float range && range is not (1f or 255f))
            throw new ArgumentOutOfRangeException(nameof(options), range, $"{nameof(SuperResolutionOptions.InputRange)} must be 1 or 255.");
        if (options.InputColorOrder is string order && order.ToUpperInvariant() is not ("RGB" or "BGR"))
            throw new ArgumentOutOfRangeException(nameof(options), order, $"{nameof(SuperResolutionOptions.InputColorOrder)} must be RGB or BGR.");
        if (options.IntraOpNumThreads is int threads && threads < 0)
            throw new ArgumentOutOfRangeException(nameof(options), threads, $"{nameof(SuperResolutionOptions.IntraOpNumThreads)} must not be negative.");
        if (options.GpuDeviceId is int device && device < 0)
            throw new ArgumentOutOfRangeException(nameof(options), device, $"{nameof(SuperResolutionOptions.GpuDeviceId)} must not be negative.");
        if (!Enum.IsDefined(options.DefaultModelPrecision))
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultModelPrecision,
                $"{nameof(SuperResolutionOptions.DefaultModelPrecision)} must be {nameof(ModelPrecision.Float32)} or {nameof(ModelPrecision.Int8)}.");
        return options;
    }
}
