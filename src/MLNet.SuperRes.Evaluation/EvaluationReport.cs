using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text;
using MLNet.SuperRes.Files;

namespace MLNet.SuperRes.Evaluation;

/// <summary>The PSNR (dB) and SSIM of one image.</summary>
public sealed record ImageScore(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("psnr")] double Psnr,
    [property: JsonPropertyName("ssim")] double Ssim);

/// <summary>The mean PSNR and SSIM over a set.</summary>
public sealed record MeanScore(
    [property: JsonPropertyName("psnr")] double Psnr,
    [property: JsonPropertyName("ssim")] double Ssim);

/// <summary>The scores of one evaluation run over a folder, with the mean over its images.</summary>
public sealed class EvaluationReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Creates a report; the mean is computed from <paramref name="images"/>.</summary>
    public EvaluationReport(int scale, string data, string model, bool selfEnsemble, IReadOnlyList<ImageScore> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("A report needs at least one image.", nameof(images));
        Scale = scale;
        Data = data;
        Model = model;
        SelfEnsemble = selfEnsemble;
        Images = images;
        Mean = new MeanScore(images.Average(i => i.Psnr), images.Average(i => i.Ssim));
    }

    [JsonPropertyName("mean")] public MeanScore Mean { get; }
    [JsonPropertyName("images")] public IReadOnlyList<ImageScore> Images { get; }
    [JsonPropertyName("scale")] public int Scale { get; }
    [JsonPropertyName("data")] public string Data { get; }
    [JsonPropertyName("model")] public string Model { get; }
    [JsonPropertyName("self_ensemble")] public bool SelfEnsemble { get; }

    /// <summary>
    /// The report as JSON: {"mean": {"psnr", "ssim"}, "images": [{"name", "psnr", "ssim"}], "scale",
    /// "data", "model", "self_ensemble"}. A PSNR of +infinity (identical images) is written as "Infinity".
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void WriteJson(string path) => AtomicFile.WriteAllText(path, ToJson() + Environment.NewLine);

    /// <summary>A plain-text table: one line per image, then the mean.</summary>
    public string ToTable()
    {
        int nameWidth = Math.Max(8, Images.Max(i => i.Name.Length));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Model}{(SelfEnsemble ? " (self-ensemble x8)" : "")}, x{Scale}, {Data}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"image".PadRight(nameWidth)}  {"PSNR",8}  {"SSIM",7}");
        foreach (var image in Images)
            text.AppendLine(CultureInfo.InvariantCulture, $"{image.Name.PadRight(nameWidth)}  {image.Psnr,8:F4}  {image.Ssim,7:F5}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"mean".PadRight(nameWidth)}  {Mean.Psnr,8:F4}  {Mean.Ssim,7:F5}");
        return text.ToString();
    }
}
