namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// Keys of the exported model's metadata_props. The runtime component reads them (it has no
/// reference to the trainer, so it spells the same strings); changing one breaks that contract.
/// </summary>
public static class OnnxMetadataKeys
{
    public const string Architecture = "architecture";
    public const string Scale = "scale";
    public const string TopK = "topk";
    public const string ResScale = "res_scale";
    public const string NFeats = "n_feats";
    public const string NResGroups = "n_resgroups";
    public const string NResBlocks = "n_resblocks";
    public const string Reduction = "reduction";
    public const string RgbRange = "rgb_range";
    public const string InputColorOrder = "input_color_order";
    public const string InputRange = "input_range";
    public const string Source = "source";
    public const string Iterations = "iterations";
    public const string Exporter = "exporter";

    public const string ArchitectureValue = "HSPAN";
    public const string InputColorOrderValue = "RGB";
    public const string InputRangeValue = "0-1";
    public const string ExporterValue = "MLNet.SuperRes.Trainer";
}
