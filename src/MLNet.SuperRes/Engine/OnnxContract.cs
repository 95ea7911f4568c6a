namespace MLNet.SuperRes.Engine;

/// <summary>
/// What an HSPAN-style ONNX model looks like: one float32 NCHW input and output under these names, and
/// these metadata_props keys. The trainer's exporter writes them and the session reads them (the trainer
/// sees this class through InternalsVisibleTo), so the contract is spelled once.
/// </summary>
internal static class OnnxContract
{
    public const string InputName = "input";
    public const string OutputName = "output";

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
