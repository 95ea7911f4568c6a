using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.SuperRes.Persistence;

// ML.NET's model loader finds these factories by their CustomMappingFactoryAttribute and builds their
// row types by reflection; internal types are enough for both.

/// <summary>Input of the reading stage of <see cref="CheckedImageLoadingEstimator"/>.</summary>
internal sealed class ImagePathRow
{
    /// <summary>The image file, relative to the stage's image folder.</summary>
    [ColumnName(CheckedImageLoadingEstimator.PathColumn)]
    public string? Path { get; set; }

    /// <summary>The stage's settings (image folder, pixel limit).</summary>
    [ColumnName(SavedPipeline.SettingsColumn)]
    public ReadOnlyMemory<char> Settings { get; set; }
}

/// <summary>Output of the reading stage of <see cref="CheckedImageLoadingEstimator"/>.</summary>
internal sealed class LoadedImageRow
{
    /// <summary>The decoded image.</summary>
    [ColumnName(CheckedImageLoadingEstimator.LoadedColumn)]
    public MLImage? Image { get; set; }
}

/// <summary>Reads image files header first (<see cref="ImageFiles"/>); the reading stage of LoadImagesChecked.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class CheckedImageLoadingMappingFactory : CustomMappingFactory<ImagePathRow, LoadedImageRow>
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
