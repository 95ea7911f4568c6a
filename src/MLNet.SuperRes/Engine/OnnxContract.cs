namespace MLNet.SuperRes.Engine;

/// <summary>
/// What our HSPAN exports look like: one float32 NCHW input and output under these names, and these
/// metadata_props keys. The trainer's exporter writes them and the session reads the keys (the trainer
/// sees this class through InternalsVisibleTo), so the contract is spelled once. Other models are read by
/// their own input and output names (<see cref="ModelInterface"/>); the keys describe them when present.
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
    public const string InputSizeMultiple = "input_size_multiple";
    public const string Source = "source";
    public const string Iterations = "iterations";
    public const string Exporter = "exporter";
    /// <summary>Present on quantized exports: <see cref="PrecisionInt8"/>. Absent means float32.</summary>
    public const string Precision = "precision";
    public const string Calibration = "calibration";
    /// <summary>Present on exports whose HSPA blocks call the attention function: the kernel version they expect.</summary>
    public const string AttentionKernel = "attention_kernel";

    /// <summary>
    /// HSPA's attention core (queries, keys, values [N, C, H, W] to attended values [N, C, H, W]) as a model-local
    /// function of this domain: its body is the standard-op graph, and CPU sessions run a kernel in its place.
    /// </summary>
    public const string AttentionDomain = "mlnet.superres";
    public const string AttentionOp = "SoftThresholdedAttention";
    public static ReadOnlySpan<byte> AttentionDomainUtf8 => "mlnet.superres\0"u8;
    public static ReadOnlySpan<byte> AttentionOpUtf8 => "SoftThresholdedAttention\0"u8;

    public const string ArchitectureValue = "HSPAN";
    public const string InputColorOrderValue = "RGB";
    public const string InputRangeValue = "0-1";
    public const string ExporterValue = "MLNet.SuperRes.Trainer";
    public const string PrecisionInt8 = "int8";
}
