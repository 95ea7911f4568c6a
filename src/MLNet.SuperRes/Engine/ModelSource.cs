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

/// <summary>The HSPAN models embedded in this assembly, one per scale and precision.</summary>
internal static class DefaultModels
{
    public const int DefaultScale = 2;

    public static readonly IReadOnlyList<int> Scales = [2, 3, 4];

    public static string ResourceName(int scale, ModelPrecision precision = ModelPrecision.Float32) =>
        $"MLNet.SuperRes.Models.hspan-x{scale}{Suffix(precision)}.onnx";

    /// <summary>What the file and resource names add for a precision: nothing for float32, <c>-int8</c>.</summary>
    public static string Suffix(ModelPrecision precision) => precision switch
    {
        ModelPrecision.Float32 => "",
        ModelPrecision.Int8 => "-int8",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision,
            $"{nameof(SuperResolutionOptions.DefaultModelPrecision)} must be {nameof(ModelPrecision.Float32)} or {nameof(ModelPrecision.Int8)}."),
    };

    public static byte[] Read(int scale, ModelPrecision precision = ModelPrecision.Float32)
    {
        string suffix = Suffix(precision);
        if (!Scales.Contains(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale,
                $"MLNet.SuperRes has no default model for scale {scale}; the embedded defaults are x2, x3 and x4. " +
                $"To upscale by {scale}, pass an ONNX super-resolution model in {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.ModelPath)}.");

        using Stream? stream = typeof(DefaultModels).Assembly.GetManifestResourceStream(ResourceName(scale, precision));
        if (stream is null)
            throw new InvalidOperationException(
                $"The default HSPAN x{scale}{suffix} model is not embedded in this build of MLNet.SuperRes " +
                $"(resource '{ResourceName(scale, precision)}' is missing: build it with src/MLNet.SuperRes/Models/hspan-x{scale}{suffix}.onnx present). " +
                $"Pass an ONNX model in {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.ModelPath)} instead.");
        using var memory = new MemoryStream((int)stream.Length);
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
