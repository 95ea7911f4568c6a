using Microsoft.ML;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Pipeline;

namespace MLNet.SuperRes;

/// <summary>
/// The <see cref="IEstimator{TTransformer}"/> of
/// <see cref="Microsoft.ML.SuperResolutionCatalog.SuperResolve(TransformsCatalog, SuperResolutionOptions)"/>.
/// Not trainable: <see cref="Fit"/> checks the input column and opens the model's session.
/// </summary>
/// <remarks>
/// Input column: <see cref="Microsoft.ML.Data.MLImage"/> (what LoadImages produces), any width and height.
/// Output column: <see cref="Microsoft.ML.Data.MLImage"/>, <see cref="Scale"/> times larger, of unknown size
/// in the schema (as LoadImages' output). The model is checked when the estimator is created.
/// </remarks>
public sealed class SuperResolutionEstimator : IEstimator<SuperResolutionTransformer>
{
    private readonly SuperResolutionOptions _options;
    private readonly ModelSource _model;

    internal SuperResolutionEstimator(SuperResolutionOptions options)
    {
        ImageTypes.EnsureRegistered();
        SuperResolver.Validate(options);
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException($"{nameof(SuperResolutionOptions.OutputColumnName)} must be set.", nameof(options));
        _options = options.Clone();
        _options.InputColumnName ??= _options.OutputColumnName;
        _model = ModelSource.From(_options);
        using var session = SuperResolutionSession.Open(_model, _options, validateOnly: true);
        Scale = session.Scale;
    }

    /// <summary>How many times larger the output images are, in each dimension.</summary>
    public int Scale { get; }

    /// <summary>Checks the input column and returns a transformer with its own ONNX Runtime session.</summary>
    public SuperResolutionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = ImageColumnBinding.FindImageColumn(input.Schema, _options.InputColumnName!);
        return new SuperResolutionTransformer(new SuperResolver(_model, _options), _options.OutputColumnName!, column.Name, column.Type);
    }

    /// <summary>The input shape with the output image column added; the same checks as the transformer.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        ImageTypes.WithImageColumn(inputSchema, _options.InputColumnName!, _options.OutputColumnName!,
            type => type is Microsoft.ML.Transforms.Image.ImageDataViewType, "Image");
}
