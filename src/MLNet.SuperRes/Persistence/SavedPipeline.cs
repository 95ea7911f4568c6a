using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLNet.SuperRes.Persistence;

/// <summary>
/// What a SuperResolve stage saves itself as, built from public ML.NET transforms only, so that
/// <c>mlContext.Model.Load</c> restores it without any loader of ours:
/// <list type="number">
/// <item>the input image (CopyColumns), or for a known-size image column its ARGB bytes (ExtractPixels),
/// because CustomMapping can map only unknown-size image columns to an MLImage member;</item>
/// <item>a constant key column (CustomMapping <see cref="SettingsKeyMappingFactory"/>);</item>
/// <item>the key mapped to the <see cref="PersistedSettings"/> text, model included (MapValue: the value is
/// stored in the model file);</item>
/// <item>the super-resolution itself (CustomMapping <see cref="SavedImageMappingFactory"/> or
/// <see cref="SavedPixelsMappingFactory"/>), which rebuilds the engine from that text on first use;</item>
/// <item>the result copied to the output column and the helper columns dropped.</item>
/// </list>
/// Loading needs <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly)</c>
/// so ML.NET finds the two mapping factories.
/// </summary>
internal static class SavedPipeline
{
    public const string ImageColumn = "MLNet.SuperRes.InputImage";
    public const string PixelsColumn = "MLNet.SuperRes.InputPixels";
    public const string SettingsKeyColumn = "MLNet.SuperRes.SettingsKey";
    public const string SettingsColumn = "MLNet.SuperRes.Settings";
    public const string OutputColumn = "MLNet.SuperRes.Output";
    public const string SettingsKey = "SuperResolve";

    public static TransformerChain<ITransformer> Build(string inputColumnName, string outputColumnName, DataViewType inputType, string settings)
    {
        var mlContext = new MLContext();
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(inputColumnName, inputType);
        IDataView data = new EmptyDataView(builder.ToSchema());

        bool knownSize = inputType is ImageDataViewType { Height: > 0, Width: > 0 };
        var stages = new List<IEstimator<ITransformer>>();
        if (knownSize)
            stages.Add(mlContext.Transforms.ExtractPixels(PixelsColumn, inputColumnName,
                ImagePixelExtractingEstimator.ColorBits.All, ImagePixelExtractingEstimator.ColorsOrder.ARGB,
                interleavePixelColors: true, outputAsFloatArray: false));
        else
            stages.Add(mlContext.Transforms.CopyColumns(ImageColumn, inputColumnName));
        stages.Add(mlContext.Transforms.CustomMapping(new SettingsKeyMappingFactory().GetMapping(), SettingsKeyMappingFactory.ContractName));
        stages.Add(mlContext.Transforms.Conversion.MapValue(SettingsColumn,
            [new KeyValuePair<string, string>(SettingsKey, settings)], SettingsKeyColumn));
        if (knownSize)
            stages.Add(mlContext.Transforms.CustomMapping(new SavedPixelsMappingFactory().GetMapping(), SavedPixelsMappingFactory.ContractName));
        else
            stages.Add(mlContext.Transforms.CustomMapping(new SavedImageMappingFactory().GetMapping(), SavedImageMappingFactory.ContractName));
        stages.Add(mlContext.Transforms.CopyColumns(outputColumnName, OutputColumn));
        stages.Add(mlContext.Transforms.DropColumns(knownSize ? PixelsColumn : ImageColumn, SettingsKeyColumn, SettingsColumn, OutputColumn));

        // Fitted one by one: EstimatorChain would compare image types by reference and refuse.
        var transformers = new List<ITransformer>();
        foreach (var stage in stages)
        {
            var transformer = stage.Fit(data);
            transformers.Add(transformer);
            data = transformer.Transform(data);
        }
        return new TransformerChain<ITransformer>(transformers.ToArray());
    }

    /// <summary>A data view with a schema and no rows, to fit the saved stages on.</summary>
    private sealed class EmptyDataView(DataViewSchema schema) : IDataView
    {
        public bool CanShuffle => true;

        public DataViewSchema Schema => schema;

        public long? GetRowCount() => 0;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new EmptyCursor(schema);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [new EmptyCursor(schema)];

        private sealed class EmptyCursor(DataViewSchema schema) : DataViewRowCursor
        {
            public override DataViewSchema Schema => schema;

            public override long Position => -1;

            public override long Batch => 0;

            public override bool MoveNext() => false;

            public override ValueGetter<DataViewRowId> GetIdGetter() =>
                (ref DataViewRowId value) => throw new InvalidOperationException("An empty data view has no rows.");

            public override bool IsColumnActive(DataViewSchema.Column column) => true;

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
                (ref TValue value) => throw new InvalidOperationException("An empty data view has no rows.");
        }
    }
}
