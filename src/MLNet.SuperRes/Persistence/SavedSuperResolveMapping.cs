using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.SuperRes.Persistence;

// ML.NET's model loader finds these factories by their CustomMappingFactoryAttribute and builds their
// row types by reflection; internal types are enough for both.

/// <summary>Input of a saved stage reading an unknown-size image column.</summary>
internal sealed class SavedImageRow
{
    /// <summary>The image to super-resolve.</summary>
    [ColumnName(SavedPipeline.ImageColumn)]
    public MLImage? Image { get; set; }

    /// <summary>The stage's settings and model.</summary>
    [ColumnName(SavedPipeline.SettingsColumn)]
    public ReadOnlyMemory<char> Settings { get; set; }
}

/// <summary>Input of a saved stage reading a known-size image column as ARGB bytes.</summary>
internal sealed class SavedPixelsRow
{
    /// <summary>Interleaved A, R, G, B bytes of the image.</summary>
    [ColumnName(SavedPipeline.PixelsColumn)]
    public VBuffer<byte> Pixels { get; set; }

    /// <summary>The stage's settings and model.</summary>
    [ColumnName(SavedPipeline.SettingsColumn)]
    public ReadOnlyMemory<char> Settings { get; set; }
}

/// <summary>Output of a saved stage.</summary>
internal sealed class SavedOutputRow
{
    /// <summary>The super-resolved image.</summary>
    [ColumnName(SavedPipeline.OutputColumn)]
    public MLImage? Image { get; set; }
}

/// <summary>Super-resolves an image column in a loaded model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SavedImageMappingFactory : CustomMappingFactory<SavedImageRow, SavedOutputRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "MLNet.SuperRes.SuperResolveImage/1";

    /// <summary>Registers the MLImage column type, which the loader needs before it builds the mapping.</summary>
    public SavedImageMappingFactory() => ImageTypes.EnsureRegistered();

    /// <inheritdoc/>
    public override Action<SavedImageRow, SavedOutputRow> GetMapping()
    {
        var resolver = new SavedResolver();
        return (input, output) => output.Image = input.Image is null
            ? null
            : resolver.Run(input.Settings, (superResolver, _) => superResolver.Upscale(input.Image));
    }
}

/// <summary>Super-resolves the ARGB bytes of a known-size image column in a loaded model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SavedPixelsMappingFactory : CustomMappingFactory<SavedPixelsRow, SavedOutputRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "MLNet.SuperRes.SuperResolvePixels/1";

    /// <summary>Registers the MLImage column type, which the loader needs before it builds the mapping.</summary>
    public SavedPixelsMappingFactory() => ImageTypes.EnsureRegistered();

    /// <inheritdoc/>
    public override Action<SavedPixelsRow, SavedOutputRow> GetMapping()
    {
        var resolver = new SavedResolver();
        return (input, output) => output.Image = resolver.Run(input.Settings, (superResolver, layout) =>
        {
            var (height, width) = layout ?? throw new InvalidOperationException("The saved SuperResolve stage expects an image column, not pixels.");
            return superResolver.Upscale(ArgbToBgra(input.Pixels, width, height), width, height, MLPixelFormat.Bgra32);
        });
    }

    private static byte[] ArgbToBgra(VBuffer<byte> argb, int width, int height)
    {
        int length = width * height * 4;
        if (argb.Length != length)
            throw new InvalidOperationException($"Expected {length} ARGB bytes for a {width}x{height} image, got {argb.Length}.");
        var bgra = new byte[length];
        int i = 0;
        foreach (byte value in argb.DenseValues())
        {
            int pixel = i & ~3;
            bgra[pixel + (i & 3) switch { 0 => 3, 1 => 2, 2 => 1, _ => 0 }] = value;
            i++;
        }
        return bgra;
    }
}

/// <summary>
/// The engine of one loaded stage, built from its settings on first use and then shared by all rows and
/// threads. (A loaded CustomMapping is not disposable: the session is released when it is collected;
/// LoadModelChecked gives fitted, disposable stages instead.)
/// </summary>
internal sealed class SavedResolver
{
    private readonly object _lock = new();
    private SuperResolver? _resolver;
    private (int Height, int Width)? _layout;
    private string? _header;
    private string? _inputColumn;

    /// <summary>Runs <paramref name="upscale"/> on the stage's engine; its errors name the stage's input column, as the fitted stage's do.</summary>
    public MLImage Run(ReadOnlyMemory<char> settings, Func<SuperResolver, (int Height, int Width)?, MLImage> upscale)
    {
        var (resolver, layout) = Get(settings);
        try
        {
            return upscale(resolver, layout);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            string where = _inputColumn is null ? "" : $" in column '{_inputColumn}'";
            throw new InvalidOperationException($"SuperResolve could not process the image{where}: {e.Message}", e);
        }
    }

    private (SuperResolver Resolver, (int Height, int Width)? Layout) Get(ReadOnlyMemory<char> settings)
    {
        ReadOnlySpan<char> header = PersistedSettings.HeaderOf(settings.Span);
        lock (_lock)
        {
            if (_resolver is null)
            {
                var parsed = PersistedSettings.Parse(settings.Span);
                _resolver = new SuperResolver(parsed.Model, parsed.Options);
                _layout = parsed.PixelLayout;
                _header = header.ToString();
                _inputColumn = parsed.InputColumnName;
            }
            else if (!header.SequenceEqual(_header))
                throw new InvalidOperationException("A saved SuperResolve stage received settings of another stage.");
            return (_resolver, _layout);
        }
    }
}
