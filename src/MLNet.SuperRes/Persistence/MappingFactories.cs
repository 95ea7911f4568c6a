using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.SuperRes.Persistence;

// The types below are public only because ML.NET's model loader creates them by reflection
// (CustomMappingFactoryAttribute); they are not meant to be used directly.

/// <summary>Row with no columns: the input of <see cref="SettingsKeyMappingFactory"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NoColumns
{
}

/// <summary>The constant key under which a saved stage finds its settings.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SettingsKeyRow
{
    /// <summary>Always <c>SuperResolve</c>.</summary>
    [ColumnName(SavedPipeline.SettingsKeyColumn)]
    public string Key { get; set; } = "";
}

/// <summary>Input of a saved stage reading an unknown-size image column.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SavedImageRow
{
    /// <summary>The image to super-resolve.</summary>
    [ColumnName(SavedPipeline.ImageColumn)]
    public MLImage? Image { get; set; }

    /// <summary>The stage's settings and model.</summary>
    [ColumnName(SavedPipeline.SettingsColumn)]
    public ReadOnlyMemory<char> Settings { get; set; }
}

/// <summary>Input of a saved stage reading a known-size image column as ARGB bytes.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SavedPixelsRow
{
    /// <summary>Interleaved A, R, G, B bytes of the image.</summary>
    [ColumnName(SavedPipeline.PixelsColumn)]
    public VBuffer<byte> Pixels { get; set; }

    /// <summary>The stage's settings and model.</summary>
    [ColumnName(SavedPipeline.SettingsColumn)]
    public ReadOnlyMemory<char> Settings { get; set; }
}

/// <summary>Output of a saved stage.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SavedOutputRow
{
    /// <summary>The super-resolved image.</summary>
    [ColumnName(SavedPipeline.OutputColumn)]
    public MLImage? Image { get; set; }
}

/// <summary>Writes the constant settings key; part of a saved SuperResolve stage.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class SettingsKeyMappingFactory : CustomMappingFactory<NoColumns, SettingsKeyRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "MLNet.SuperRes.SettingsKey/1";

    /// <inheritdoc/>
    public override Action<NoColumns, SettingsKeyRow> GetMapping() => (_, row) => row.Key = SavedPipeline.SettingsKey;
}

/// <summary>Super-resolves an image column in a loaded model.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class SavedImageMappingFactory : CustomMappingFactory<SavedImageRow, SavedOutputRow>
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
            : resolver.Get(input.Settings).Upscale(input.Image);
    }
}

/// <summary>Super-resolves the ARGB bytes of a known-size image column in a loaded model.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class SavedPixelsMappingFactory : CustomMappingFactory<SavedPixelsRow, SavedOutputRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "MLNet.SuperRes.SuperResolvePixels/1";

    /// <summary>Registers the MLImage column type, which the loader needs before it builds the mapping.</summary>
    public SavedPixelsMappingFactory() => ImageTypes.EnsureRegistered();

    /// <inheritdoc/>
    public override Action<SavedPixelsRow, SavedOutputRow> GetMapping()
    {
        var resolver = new SavedResolver();
        return (input, output) =>
        {
            var (superResolver, layout) = resolver.GetWithLayout(input.Settings);
            var (height, width) = layout ?? throw new InvalidOperationException("The saved SuperResolve stage expects an image column, not pixels.");
            output.Image = superResolver.Upscale(ArgbToBgra(input.Pixels, width, height), width, height, MLPixelFormat.Bgra32);
        };
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
/// threads. (A loaded CustomMapping is not disposable: the session is released when it is collected.)
/// </summary>
internal sealed class SavedResolver
{
    private readonly object _lock = new();
    private SuperResolver? _resolver;
    private (int Height, int Width)? _layout;
    private string? _header;

    public SuperResolver Get(ReadOnlyMemory<char> settings) => GetWithLayout(settings).Resolver;

    public (SuperResolver Resolver, (int Height, int Width)? Layout) GetWithLayout(ReadOnlyMemory<char> settings)
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
            }
            else if (!header.SequenceEqual(_header))
                throw new InvalidOperationException("A saved SuperResolve stage received settings of another stage.");
            return (_resolver, _layout);
        }
    }
}

/// <summary>Input of the reading stage of <see cref="CheckedImageLoadingEstimator"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ImagePathRow
{
    /// <summary>The image file, relative to the stage's image folder.</summary>
    [ColumnName(CheckedImageLoadingEstimator.PathColumn)]
    public string? Path { get; set; }

    /// <summary>The stage's settings (image folder, pixel limit).</summary>
    [ColumnName(SavedPipeline.SettingsColumn)]
    public ReadOnlyMemory<char> Settings { get; set; }
}

/// <summary>Output of the reading stage of <see cref="CheckedImageLoadingEstimator"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LoadedImageRow
{
    /// <summary>The decoded image.</summary>
    [ColumnName(CheckedImageLoadingEstimator.LoadedColumn)]
    public MLImage? Image { get; set; }
}

/// <summary>Reads image files header first (<see cref="ImageFiles"/>); the reading stage of LoadImagesChecked.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class CheckedImageLoadingMappingFactory : CustomMappingFactory<ImagePathRow, LoadedImageRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "MLNet.SuperRes.LoadImagesChecked/1";

    /// <summary>Registers the MLImage column type, which the loader needs before it builds the mapping.</summary>
    public CheckedImageLoadingMappingFactory() => ImageTypes.EnsureRegistered();

    /// <inheritdoc/>
    public override Action<ImagePathRow, LoadedImageRow> GetMapping() => (input, output) =>
    {
        if (string.IsNullOrEmpty(input.Path))
        {
            output.Image = null; // as LoadImages: an empty path is a missing image
            return;
        }
        var settings = CheckedImageLoadingEstimator.Settings.Parse(input.Settings.Span);
        string path = settings.ImageFolder is { Length: > 0 } folder ? System.IO.Path.Combine(folder, input.Path) : input.Path;
        output.Image = ImageFiles.Load(path, settings.MaxPixels);
    };
}
