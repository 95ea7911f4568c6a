using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNet.SuperRes.Engine;

/// <summary>
/// How to feed a single-image super-resolution ONNX model, read from the model (names, shapes, metadata)
/// and from the options where the model does not say: one float32 NCHW RGB or BGR input, values in [0, 1]
/// or [0, 255], any size or a fixed one, perhaps a multiple of some N; one output s times larger.
/// </summary>
internal sealed record ModelInterface(
    string InputName,
    string OutputName,
    int? FixedHeight,
    int? FixedWidth,
    int SizeMultiple,
    float ValueRange,
    bool Bgr,
    bool IsHspan)
{
    public static ModelInterface Read(InferenceSession session, IReadOnlyDictionary<string, string> metadata, SuperResolutionOptions options, string model)
    {
        string notImageToImage = $"The {model} is not a single-image super-resolution model (one float32 [N, 3, H, W] input, one float32 [N, 3, s*H, s*W] output)";
        if (session.InputMetadata.Count != 1)
            throw new InvalidOperationException($"{notImageToImage}: it has {session.InputMetadata.Count} inputs, {DescribeAll(session.InputMetadata)}.");
        if (session.OutputMetadata.Count != 1)
            throw new InvalidOperationException($"{notImageToImage}: it has {session.OutputMetadata.Count} outputs, {DescribeAll(session.OutputMetadata)}.");
        var (inputName, input) = session.InputMetadata.Single();
        var (outputName, output) = session.OutputMetadata.Single();
        if (!IsImageTensor(input))
            throw new InvalidOperationException($"{notImageToImage}: its input is {Describe(inputName, input)}.");
        if (!IsImageTensor(output))
            throw new InvalidOperationException($"{notImageToImage}: its output is {Describe(outputName, output)}.");

        int? fixedHeight = input.Dimensions[2] > 0 ? input.Dimensions[2] : null;
        int? fixedWidth = input.Dimensions[3] > 0 ? input.Dimensions[3] : null;
        int multiple = OptionOrMetadata(options.InputSizeMultiple, metadata, OnnxContract.InputSizeMultiple, model,
            text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n : null, "a positive integer") ?? 1;
        float range = OptionOrMetadata(options.InputRange, metadata, OnnxContract.InputRange, model,
            text => text switch { "0-1" => 1f, "0-255" => 255f, _ => (float?)null }, "0-1 or 0-255") ?? 1f;
        static bool? ParseOrder(string text) => text.ToUpperInvariant() switch { "RGB" => false, "BGR" => true, _ => null };
        // The option values themselves were checked by SuperResolver.Validate before any session opens.
        bool? bgrOption = options.InputColorOrder is null ? null : ParseOrder(options.InputColorOrder);
        bool bgr = OptionOrMetadata(bgrOption, metadata, OnnxContract.InputColorOrder, model, ParseOrder, "RGB or BGR") ?? false;
        bool isHspan = !metadata.TryGetValue(OnnxContract.Architecture, out string? architecture) || architecture == OnnxContract.ArchitectureValue;
        return new ModelInterface(inputName, outputName, fixedHeight, fixedWidth, multiple, range, bgr, isHspan);
    }

    /// <summary>The size a tile of <paramref name="height"/> × <paramref name="width"/> is padded to before it runs.</summary>
    public (int Height, int Width) RunSize(int height, int width) =>
        (FixedHeight ?? RoundUp(height, SizeMultiple), FixedWidth ?? RoundUp(width, SizeMultiple));

    /// <summary>Whether tiles go in and out exactly as the engine has them (no padding, scaling or channel swap).</summary>
    public bool IsPlain(int height, int width) => RunSize(height, width) == (height, width) && ValueRange == 1f && !Bgr;

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The option when set (checked against the metadata when both are there), else the metadata, else null.</summary>
    private static T? OptionOrMetadata<T>(T? option, IReadOnlyDictionary<string, string> metadata, string key, string model,
        Func<string, T?> parse, string expected) where T : struct
    {
        T? declared = null;
        if (metadata.TryGetValue(key, out string? text))
            declared = parse(text.Trim()) ?? throw new InvalidOperationException($"The {model} has '{key}' metadata '{text}'; expected {expected}.");
        if (option is T given && declared is T fromModel && !EqualityComparer<T>.Default.Equals(given, fromModel))
            throw new InvalidOperationException($"The options say {key} {Describe(given)}, but the {model} declares '{text}'.");
        return option ?? declared;
    }

    private static string Describe<T>(T value) => value switch
    {
        bool bgr => bgr ? "BGR" : "RGB",
        float range => range == 255f ? "0-255" : "0-1",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static bool IsImageTensor(NodeMetadata node)
    {
        if (!node.IsTensor || node.ElementDataType != TensorElementType.Float)
            return false;
        int[] dims = node.Dimensions;
        return dims.Length == 4 && (dims[1] is 3 or -1) && (dims[0] is -1 or 1);
    }

    internal static string DescribeAll(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        nodes.Count == 0 ? "none" : string.Join(", ", nodes.Select(n => Describe(n.Key, n.Value)));

    internal static string Describe(string name, NodeMetadata node)
    {
        if (!node.IsTensor)
            return $"'{name}' of kind {node.OnnxValueType}";
        string[] symbols = node.SymbolicDimensions;
        var dims = node.Dimensions.Select((d, i) =>
            d >= 0 ? d.ToString(CultureInfo.InvariantCulture)
            : i < symbols.Length && !string.IsNullOrEmpty(symbols[i]) ? symbols[i] : "?");
        return $"'{name}' {ElementTypeName(node.ElementDataType)} [{string.Join(", ", dims)}]";
    }

    private static string ElementTypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Double => "float64",
        _ => type.ToString().ToLowerInvariant(),
    };
}
