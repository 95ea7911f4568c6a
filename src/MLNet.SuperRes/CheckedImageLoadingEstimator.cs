using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes.Persistence;

namespace MLNet.SuperRes;

/// <summary>
/// The estimator of <see cref="SuperResolutionCatalog.LoadImagesChecked"/>: LoadImages' columns and
/// schema (a text column of paths in, an <see cref="MLImage"/> column out), reading with
/// <see cref="ImageFiles"/>. Made of public ML.NET transforms (a CustomMapping with a registered factory,
/// its settings carried by MapValue), so the fitted pipeline saves and loads as any other; loading needs
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly)</c>.
/// </summary>
public sealed class CheckedImageLoadingEstimator : IEstimator<ITransformer>
{
    internal const string PathColumn = "MLNet.SuperRes.ImagePath";
    internal const string LoadedColumn = "MLNet.SuperRes.LoadedImage";

    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly IEstimator<ITransformer> _stages;

    internal CheckedImageLoadingEstimator(string outputColumnName, string? imageFolder, string inputColumnName, long maxPixels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        ImageTypes.EnsureRegistered();
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;

        var mlContext = new MLContext();
        var transforms = mlContext.Transforms;
        _stages = transforms.CopyColumns(PathColumn, inputColumnName)
            .Append(transforms.CustomMapping(new SettingsKeyMappingFactory().GetMapping(), SettingsKeyMappingFactory.ContractName))
            .Append(transforms.Conversion.MapValue(SavedPipeline.SettingsColumn,
                [new KeyValuePair<string, string>(SavedPipeline.SettingsKey, new Settings(imageFolder, maxPixels).ToText())], SavedPipeline.SettingsKeyColumn))
            .Append(transforms.CustomMapping(new CheckedImageLoadingMappingFactory().GetMapping(), CheckedImageLoadingMappingFactory.ContractName))
            .Append(transforms.CopyColumns(outputColumnName, LoadedColumn))
            .Append(transforms.DropColumns(PathColumn, SavedPipeline.SettingsKeyColumn, SavedPipeline.SettingsColumn, LoadedColumn));
    }

    /// <summary>Checks the input column and returns the fitted stages (nothing is learnt).</summary>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema.GetColumnOrNull(_inputColumnName) is not DataViewSchema.Column column)
            throw new ArgumentOutOfRangeException(nameof(input), $"Could not find input column '{_inputColumnName}'");
        if (column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(input), $"Schema mismatch for input column '{_inputColumnName}': expected String, got {column.Type}");
        return _stages.Fit(input);
    }

    /// <summary>The input shape with the output image column added.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        ImageTypes.WithImageColumn(inputSchema, _inputColumnName, _outputColumnName, type => type is TextDataViewType, "String");

    /// <summary>The stage's settings as the saved model stores them.</summary>
    internal sealed record Settings(string? ImageFolder, long MaxPixels)
    {
        public const string FormatLine = "MLNet.SuperRes LoadImagesChecked settings, format 1";

        public string ToText() => string.Create(CultureInfo.InvariantCulture,
            $"{FormatLine}\nimage-folder={ImageFolder?.Replace('\n', ' ')}\nmax-pixels={MaxPixels}");

        public static Settings Parse(ReadOnlySpan<char> text)
        {
            string[] lines = text.ToString().Split('\n');
            if (lines.Length != 3 || lines[0] != FormatLine || !lines[1].StartsWith("image-folder=", StringComparison.Ordinal)
                || !lines[2].StartsWith("max-pixels=", StringComparison.Ordinal)
                || !long.TryParse(lines[2]["max-pixels=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out long maxPixels) || maxPixels < 1)
                throw new InvalidDataException("The saved LoadImagesChecked stage has damaged settings; save the pipeline again.");
            string folder = lines[1]["image-folder=".Length..];
            return new Settings(folder.Length == 0 ? null : folder, maxPixels);
        }
    }
}
