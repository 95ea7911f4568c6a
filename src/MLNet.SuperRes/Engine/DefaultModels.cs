namespace MLNet.SuperRes.Engine;

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
