using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes.Persistence;
using MLNet.SuperRes.Pipeline;

namespace MLNet.SuperRes;

/// <summary>
/// The <see cref="ITransformer"/> made by <see cref="SuperResolutionEstimator"/>: adds a column holding each
/// input <see cref="MLImage"/> super-resolved. Owns one ONNX Runtime session, shared by every cursor and
/// thread; dispose it to release the session.
/// </summary>
/// <remarks>
/// Saving with <c>mlContext.Model.Save</c> embeds the ONNX model in the file. To load it, first call
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly)</c>; the
/// loaded pipeline computes the same pixels (it runs on the execution provider saved with it).
/// As for every ML.NET model, a PredictionEngine made from this transformer disposes it when the engine is disposed.
/// </remarks>
public sealed class SuperResolutionTransformer : ITransformer, IDisposable
{
    private readonly SuperResolver _resolver;
    private readonly DataViewType _fittedInputType;

    internal SuperResolutionTransformer(SuperResolver resolver, string outputColumnName, string inputColumnName, DataViewType fittedInputType)
    {
        ImageTypes.EnsureRegistered();
        _resolver = resolver;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        _fittedInputType = fittedInputType;
    }

    /// <summary>Name of the column the super-resolved images are written to.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>How many times larger the output images are, in each dimension.</summary>
    public int Scale => _resolver.Scale;

    /// <summary>Where the network runs: <c>CPU</c> or <c>CUDA (GPU n)</c>.</summary>
    public string ExecutionProvider => _resolver.ExecutionProvider;

    /// <summary>Always <c>true</c>: the transformer maps each row on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>Super-resolves one image with this transformer's session, outside any pipeline.</summary>
    public MLImage Upscale(MLImage image) => _resolver.Upscale(image);

    /// <summary>The input schema with the output image column added.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <summary>A lazy view: images are super-resolved only when a cursor reads the output column.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SuperResolvingDataView(input, Bind(input.Schema), _resolver);
    }

    /// <summary>A mapper of single rows, as <c>PredictionEngine</c> uses it.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new Mapper(Bind(inputSchema), _resolver);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var settings = PersistedSettings.From(_resolver.Model, _resolver.Options, _fittedInputType, InputColumnName, OutputColumnName);
        using var saved = SavedPipeline.Build(InputColumnName, OutputColumnName, _fittedInputType, settings);
        ((ICanSaveModel)saved).Save(ctx);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _resolver.Dispose();

    private ImageColumnBinding Bind(DataViewSchema inputSchema) =>
        ImageColumnBinding.Create(inputSchema, InputColumnName, OutputColumnName);

    private sealed class Mapper : IRowToRowMapper
    {
        private readonly ImageColumnBinding _binding;
        private readonly SuperResolver _resolver;

        public Mapper(ImageColumnBinding binding, SuperResolver resolver)
        {
            _binding = binding;
            _resolver = resolver;
        }

        public DataViewSchema InputSchema => _binding.InputSchema;

        public DataViewSchema OutputSchema => _binding.OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            _binding.InputColumnsFor(dependingColumns);

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (input.Schema.Count != InputSchema.Count || input.Schema[_binding.InputColumnIndex].Name != _binding.InputColumnName)
                throw new ArgumentException("The row's schema is not the schema this mapper was made for.", nameof(input));
            return new SuperResolvingRow(input, _binding, _resolver, _binding.NeedsOutput(activeColumns));
        }
    }
}
