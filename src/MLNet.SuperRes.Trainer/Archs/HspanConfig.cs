using System.Text.Json.Serialization;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// Hyper-parameters of an HSPAN network. Defaults are the paper's configuration
/// (10 residual groups of 4 blocks, 192 features, reduction 2, top-k 128, residual scale 0.1).
/// </summary>
public sealed record HspanConfig
{
    [JsonPropertyName("n_resgroups")] public int NResGroups { get; init; } = 10;
    [JsonPropertyName("n_resblocks")] public int NResBlocks { get; init; } = 4;
    [JsonPropertyName("n_feats")] public int NFeats { get; init; } = 192;
    [JsonPropertyName("reduction")] public int Reduction { get; init; } = 2;
    [JsonPropertyName("topk")] public int TopK { get; init; } = 128;
    [JsonPropertyName("res_scale")] public double ResScale { get; init; } = 0.1;
    [JsonPropertyName("scale")] public int Scale { get; init; } = 2;
    [JsonPropertyName("n_colors")] public int NColors { get; init; } = 3;
    [JsonPropertyName("rgb_range")] public double RgbRange { get; init; } = 1.0;

    /// <summary>Throws when a value cannot build a network, naming the value.</summary>
    public void Validate()
    {
        Require(NResGroups >= 1, "n_resgroups", NResGroups, "at least 1");
        Require(NResBlocks >= 0, "n_resblocks", NResBlocks, "0 or more");
        Require(NFeats >= 1, "n_feats", NFeats, "at least 1");
        Require(Reduction >= 1 && NFeats % Reduction == 0, "reduction", Reduction, $"a divisor of n_feats ({NFeats})");
        Require(TopK >= 1, "topk", TopK, "at least 1");
        Require(Scale is 2 or 3 or 4 or 8, "scale", Scale, "2, 3, 4 or 8");
        Require(NColors >= 1, "n_colors", NColors, "at least 1");
        Require(RgbRange > 0, "rgb_range", RgbRange, "positive");
        Require(double.IsFinite(ResScale) && ResScale > 0, "res_scale", ResScale, "a positive number");
    }

    private static void Require(bool ok, string name, object value, string expected)
    {
        if (!ok) throw new ArgumentException($"Invalid HSPAN configuration: {name} = {value}, expected {expected}.");
    }
}
