using System.Security.Cryptography;

namespace MLNet.SuperRes.Engine;

/// <summary>The bytes of the ONNX model a super-resolver runs, with a description for messages.</summary>
internal sealed class ModelSource
{
    private ModelSource(byte[] bytes, string description, int? requestedScale)
    {
        Bytes = bytes;
        Description = description;
        RequestedScale = requestedScale;
    }

    public byte[] Bytes { get; }

    /// <summary>Where the model came from, e.g. <c>ONNX model '/models/x.onnx'</c>.</summary>
    public string Description { get; }

    /// <summary>The scale the user asked for, if any; checked against the model's metadata.</summary>
    public int? RequestedScale { get; }

    public string Sha256 => Convert.ToHexString(SHA256.HashData(Bytes)).ToLowerInvariant();

    /// <summary>Resolves the model named by <paramref name="options"/>: a file, bytes, or an embedded default.</summary>
    public static ModelSource From(SuperResolutionOptions options)
    {
        if (options.ModelPath is not null && options.ModelBytes is not null)
            throw new ArgumentException(
                $"Set either {nameof(SuperResolutionOptions.ModelPath)} or {nameof(SuperResolutionOptions.ModelBytes)}, not both.",
                nameof(options));

        if ((options.ModelPath is not null || options.ModelBytes is not null) && options.DefaultModelPrecision != ModelPrecision.Float32)
            throw new ArgumentException(
                $"{nameof(SuperResolutionOptions.DefaultModelPrecision)} {options.DefaultModelPrecision} selects an embedded default model, " +
                $"but {(options.ModelPath is not null ? nameof(SuperResolutionOptions.ModelPath) : nameof(SuperResolutionOptions.ModelBytes))} gives a model of your own; " +
                $"leave {nameof(SuperResolutionOptions.DefaultModelPrecision)} at {nameof(ModelPrecision.Float32)} with your own model.",
                nameof(options));

        if (options.ModelPath is not null)
        {
            if (Directory.Exists(options.ModelPath))
                throw new FileNotFoundException($"ONNX model '{options.ModelPath}' is a folder; give the .onnx file in it.", options.ModelPath);
            if (!File.Exists(options.ModelPath))
                throw new FileNotFoundException($"ONNX model file '{options.ModelPath}' does not exist.", options.ModelPath);
            return new ModelSource(File.ReadAllBytes(options.ModelPath), $"ONNX model '{options.ModelPath}'", options.Scale);
        }

        if (options.ModelBytes is not null)
        {
            if (options.ModelBytes.Length == 0)
                throw new ArgumentException($"{nameof(SuperResolutionOptions.ModelBytes)} is empty.", nameof(options));
            return new ModelSource((byte[])options.ModelBytes.Clone(), "ONNX model given as bytes", options.Scale);
        }

        int scale = options.Scale ?? DefaultModels.DefaultScale;
        var precision = options.DefaultModelPrecision;
        return new ModelSource(DefaultModels.Read(scale, precision), $"default HSPAN x{scale}{DefaultModels.Suffix(precision)} model", scale);
    }

    /// <summary>A model restored from a saved ML.NET model file.</summary>
    public static ModelSource FromSaved(byte[] bytes, string description, int? requestedScale) =>
        new(bytes, description, requestedScale);
}
