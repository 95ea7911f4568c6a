using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.SuperRes.Engine;

namespace MLNet.SuperRes.Persistence;

/// <summary>
/// Everything needed to rebuild a SuperResolve stage after loading, as one text value stored in the saved
/// model: a header of <c>key=value</c> lines (settings, how the image arrives, the model's SHA-256) and
/// the ONNX model itself in base64 on the last line, so a saved file never depends on another file.
/// </summary>
internal sealed class PersistedSettings
{
    private const string FormatLine = "MLNet.SuperRes SuperResolve settings, format 1";
    private const string ModelKey = "model=";

    private PersistedSettings(SuperResolutionOptions options, ModelSource model, (int Height, int Width)? pixelLayout, string? inputColumn, string? outputColumn)
    {
        Options = options;
        Model = model;
        PixelLayout = pixelLayout;
        InputColumnName = inputColumn;
        OutputColumnName = outputColumn;
    }

    /// <summary>The stage's input column; null in files saved before the columns were recorded.</summary>
    public string? InputColumnName { get; }

    /// <summary>The stage's output column; null in files saved before the columns were recorded.</summary>
    public string? OutputColumnName { get; }

    public SuperResolutionOptions Options { get; }

    public ModelSource Model { get; }

    /// <summary>
    /// Null when the stage reads an MLImage column; the image size when it reads the interleaved ARGB bytes
    /// of a known-size image column (see <see cref="SavedPipeline"/>).
    /// </summary>
    public (int Height, int Width)? PixelLayout { get; }

    public static string From(ModelSource model, SuperResolutionOptions options, DataViewType inputType, string? inputColumn = null, string? outputColumn = null)
    {
        var text = new StringBuilder();
        text.Append(FormatLine).Append('\n');
        // Names that would break the line format are left out; such a stage loads as saved, not as a fitted one.
        if (inputColumn is not null && outputColumn is not null && !(inputColumn + outputColumn).Contains('\n'))
        {
            Add(text, "input-column", inputColumn);
            Add(text, "output-column", outputColumn);
        }
        Add(text, "input", inputType is ImageDataViewType { Height: > 0, Width: > 0 } sized
            ? $"pixels {sized.Height}x{sized.Width}" : "image");
        Add(text, "scale", options.Scale?.ToString(CultureInfo.InvariantCulture));
        Add(text, "tile-size", options.TileSize.ToString(CultureInfo.InvariantCulture));
        Add(text, "attention-memory-budget-bytes", options.AttentionMemoryBudgetBytes.ToString(CultureInfo.InvariantCulture));
        Add(text, "tile-overlap", options.TileOverlap.ToString(CultureInfo.InvariantCulture));
        Add(text, "self-ensemble", options.SelfEnsemble ? "true" : "false");
        Add(text, "max-input-pixels", options.MaxInputPixels.ToString(CultureInfo.InvariantCulture));
        Add(text, "intra-op-threads", options.IntraOpNumThreads?.ToString(CultureInfo.InvariantCulture));
        Add(text, "gpu-device-id", options.GpuDeviceId?.ToString(CultureInfo.InvariantCulture));
        Add(text, "fallback-to-cpu", options.FallbackToCpu ? "true" : "false");
        Add(text, "input-range", options.InputRange?.ToString(CultureInfo.InvariantCulture));
        Add(text, "input-color-order", options.InputColorOrder);
        Add(text, "input-size-multiple", options.InputSizeMultiple?.ToString(CultureInfo.InvariantCulture));
        Add(text, "default-model-precision", options.DefaultModelPrecision.ToString());
        Add(text, "model-description", model.Description.Replace('\n', ' '));
        Add(text, "model-sha256", model.Sha256);
        text.Append(ModelKey).Append(Convert.ToBase64String(model.Bytes));
        return text.ToString();
    }

    /// <summary>The settings lines, without the model; identifies the stage cheaply.</summary>
    public static ReadOnlySpan<char> HeaderOf(ReadOnlySpan<char> text)
    {
        int end = text.IndexOf("\n" + ModelKey, StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    public static PersistedSettings Parse(ReadOnlySpan<char> text)
    {
        string header = HeaderOf(text).ToString();
        string[] lines = header.Split('\n');
        if (lines[0] != FormatLine)
            throw new InvalidOperationException(
                $"The saved SuperResolve stage has settings in an unknown format ('{Truncate(lines[0])}'); " +
                "it was saved by a different version of MLNet.SuperRes.");
        if (header.Length == text.Length)
            throw new InvalidOperationException("The saved SuperResolve stage holds no ONNX model.");

        var values = new Dictionary<string, string>();
        foreach (string line in lines.Skip(1))
        {
            int equals = line.IndexOf('=');
            if (equals <= 0)
                throw new InvalidOperationException($"The saved SuperResolve settings line '{Truncate(line)}' is malformed.");
            values[line[..equals]] = line[(equals + 1)..];
        }

        var options = new SuperResolutionOptions
        {
            Scale = OptionalInt(values, "scale"),
            TileSize = RequiredInt(values, "tile-size"),
            AttentionMemoryBudgetBytes = long.Parse(Required(values, "attention-memory-budget-bytes"), CultureInfo.InvariantCulture),
            TileOverlap = RequiredInt(values, "tile-overlap"),
            SelfEnsemble = Required(values, "self-ensemble") == "true",
            MaxInputPixels = long.Parse(Required(values, "max-input-pixels"), CultureInfo.InvariantCulture),
            IntraOpNumThreads = OptionalInt(values, "intra-op-threads"),
            GpuDeviceId = OptionalInt(values, "gpu-device-id"),
            FallbackToCpu = Required(values, "fallback-to-cpu") == "true",
            // Absent from files saved before these options existed.
            InputRange = values.GetValueOrDefault("input-range") is { Length: > 0 } range ? float.Parse(range, CultureInfo.InvariantCulture) : null,
            InputColorOrder = values.GetValueOrDefault("input-color-order") is { Length: > 0 } order ? order : null,
            InputSizeMultiple = values.GetValueOrDefault("input-size-multiple") is { Length: > 0 } multiple ? int.Parse(multiple, CultureInfo.InvariantCulture) : null,
            DefaultModelPrecision = values.GetValueOrDefault("default-model-precision") is { Length: > 0 } precision ? ParsePrecision(precision) : ModelPrecision.Float32,
        };

        byte[] bytes = Convert.FromBase64String(text[(header.Length + 1 + ModelKey.Length)..].ToString());
        var model = ModelSource.FromSaved(bytes, Required(values, "model-description") + " (restored from a saved ML.NET model)", options.Scale);
        if (model.Sha256 != Required(values, "model-sha256"))
            throw new InvalidOperationException("The ONNX model stored in the saved SuperResolve stage is corrupt (SHA-256 mismatch).");

        string input = Required(values, "input");
        (int, int)? layout = null;
        if (input.StartsWith("pixels ", StringComparison.Ordinal))
        {
            string[] size = input["pixels ".Length..].Split('x');
            layout = (int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture));
        }
        else if (input != "image")
            throw new InvalidOperationException($"The saved SuperResolve stage has an unknown input layout '{Truncate(input)}'.");

        return new PersistedSettings(options, model, layout, values.GetValueOrDefault("input-column"), values.GetValueOrDefault("output-column"));
    }

    private static ModelPrecision ParsePrecision(string text) =>
        Enum.TryParse(text, ignoreCase: false, out ModelPrecision precision) && Enum.IsDefined(precision) && !char.IsDigit(text[0])
            ? precision
            : throw new InvalidOperationException(
                $"The saved SuperResolve settings have an unknown default-model-precision '{Truncate(text)}' (expected {nameof(ModelPrecision.Float32)} or {nameof(ModelPrecision.Int8)}).");

    private static void Add(StringBuilder text, string key, string? value) =>
        text.Append(key).Append('=').Append(value ?? "").Append('\n');

    private static string Required(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? value)
            ? value
            : throw new InvalidOperationException($"The saved SuperResolve settings lack '{key}'.");

    private static int RequiredInt(Dictionary<string, string> values, string key) =>
        int.Parse(Required(values, key), CultureInfo.InvariantCulture);

    private static int? OptionalInt(Dictionary<string, string> values, string key) =>
        Required(values, key) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
