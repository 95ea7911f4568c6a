using Microsoft.ML.Data;
using MLNet.SuperRes;
using MLNet.SuperRes.Persistence;

namespace Microsoft.ML;

/// <summary>Super-resolution in ML.NET pipelines.</summary>
/// <remarks>
/// The network runs in ONNX Runtime: an application references one of its native packages,
/// Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu (CUDA).
/// </remarks>
public static class SuperResolutionCatalog
{
    /// <summary>
    /// Create a <see cref="SuperResolutionEstimator"/>, which upscales the images in <paramref name="inputColumnName"/>
    /// by <paramref name="scale"/> with the embedded default HSPAN model, into <paramref name="outputColumnName"/>.
    /// </summary>
    /// <param name="catalog">The transform's catalog.</param>
    /// <param name="outputColumnName">Name of the column resulting from the transformation of <paramref name="inputColumnName"/>:
    /// <see cref="Data.MLImage"/>, <paramref name="scale"/> times larger.</param>
    /// <param name="inputColumnName">Name of the <see cref="Data.MLImage"/> column to upscale. If set to <see langword="null"/>,
    /// the value of the <paramref name="outputColumnName"/> will be used as source.</param>
    /// <param name="scale">Upscaling factor: 2, 3 or 4.</param>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder, "Path")
    ///     .Append(mlContext.Transforms.SuperResolve("Sr", "Image", scale: 2))
    ///     .Append(mlContext.Transforms.ResizeImages("Thumb", 224, 224, "Sr"));
    /// using var model = pipeline.Fit(data);
    /// </code>
    /// </example>
    public static SuperResolutionEstimator SuperResolve(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, int scale = 2)
        => SuperResolve(catalog, new SuperResolutionOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Scale = scale,
        });

    /// <summary>
    /// Create a <see cref="SuperResolutionEstimator"/>, which upscales images as <paramref name="options"/> say: model
    /// (the embedded default or an ONNX file or bytes; only apply models from trusted sources), tiling, self-ensemble,
    /// threads and execution provider.
    /// </summary>
    /// <param name="catalog">The transform's catalog.</param>
    /// <param name="options">Options for the transform; <see cref="SuperResolutionOptions.OutputColumnName"/> is required.</param>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder, "Path")
    ///     .Append(mlContext.Transforms.SuperResolve(new SuperResolutionOptions
    ///     {
    ///         OutputColumnName = "Sr",
    ///         InputColumnName = "Image",
    ///         ModelPath = "hspan-x4.onnx",
    ///         SelfEnsemble = true,
    ///         GpuDeviceId = 0,
    ///         FallbackToCpu = true,
    ///     }));
    /// </code>
    /// </example>
    public static SuperResolutionEstimator SuperResolve(this TransformsCatalog catalog, SuperResolutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new SuperResolutionEstimator(options);
    }

    /// <summary>
    /// Create an estimator that loads images like <c>LoadImages</c> (same columns and schema: the paths in
    /// <paramref name="inputColumnName"/>, the <see cref="Data.MLImage"/>s in <paramref name="outputColumnName"/>),
    /// but reads each file's header first: an image of more than <paramref name="maxPixels"/> pixels is refused
    /// before it is decoded, and a truncated, corrupt or animated file is refused; the error names the file.
    /// ML.NET's own LoadImages decodes everything it is given (see <see cref="ImageFiles"/>).
    /// </summary>
    /// <param name="catalog">The transform's catalog.</param>
    /// <param name="outputColumnName">Name of the image column to produce.</param>
    /// <param name="imageFolder">Folder the paths are relative to; <see langword="null"/> for paths used as they are.</param>
    /// <param name="inputColumnName">Name of the text column of paths; <see langword="null"/> means <paramref name="outputColumnName"/>.</param>
    /// <param name="maxPixels">Largest image accepted, in pixels; by default that of <see cref="SuperResolutionOptions.MaxInputPixels"/>.</param>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.LoadImagesChecked("Image", imageFolder, "Path")
    ///     .Append(mlContext.Transforms.SuperResolve("Sr", "Image", scale: 2));
    /// </code>
    /// </example>
    public static CheckedImageLoadingEstimator LoadImagesChecked(this TransformsCatalog catalog, string outputColumnName,
        string? imageFolder, string? inputColumnName = null, long maxPixels = SuperResolutionOptions.DefaultMaxInputPixels)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new CheckedImageLoadingEstimator(outputColumnName, imageFolder, inputColumnName ?? outputColumnName, maxPixels);
    }

    /// <summary>
    /// Loads a saved model as <c>mlContext.Model.Load</c> does, with the SuperResolve and LoadImagesChecked stages
    /// registered, and checks it first: every entry of the file against its CRC-32, and each of those stages'
    /// stored settings and ONNX model (SHA-256, signature). A damaged file is refused here, naming the stage,
    /// rather than failing at the first prediction. Each SuperResolve stage comes back as the
    /// <see cref="SuperResolutionTransformer"/> that was saved, with its error messages; disposing the returned chain
    /// releases their ONNX Runtime sessions.
    /// </summary>
    /// <param name="mlContext">The context to load into (this assembly is registered in its component catalog).</param>
    /// <param name="path">The file <c>mlContext.Model.Save</c> wrote.</param>
    /// <param name="inputSchema">The schema the model expects as input.</param>
    /// <exception cref="InvalidDataException">The file is not a saved model, or is damaged.</exception>
    /// <example>
    /// <code>
    /// using var model = mlContext.LoadModelChecked("pipeline.zip", out var inputSchema);
    /// </code>
    /// </example>
    public static TransformerChain<ITransformer> LoadModelChecked(this MLContext mlContext, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Saved model '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return SavedModelCheck.Load(mlContext, stream, path, out inputSchema);
    }

    /// <summary>As <see cref="LoadModelChecked(MLContext, string, out DataViewSchema)"/>, from a stream; <paramref name="name"/> names it in errors.</summary>
    public static TransformerChain<ITransformer> LoadModelChecked(this MLContext mlContext, Stream stream, string name, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        return SavedModelCheck.Load(mlContext, stream, name, out inputSchema);
    }
}
