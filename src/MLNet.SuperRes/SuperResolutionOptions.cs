using Microsoft.ML.Data;

namespace MLNet.SuperRes;

/// <summary>
/// Settings of <see cref="Microsoft.ML.SuperResolutionCatalog.SuperResolve(Microsoft.ML.TransformsCatalog, SuperResolutionOptions)"/>
/// and of <see cref="SuperResolver"/>.
/// </summary>
public sealed class SuperResolutionOptions
{
    /// <summary>
    /// Name of the column the super-resolved <see cref="MLImage"/> is written to. Required in a pipeline;
    /// ignored by <see cref="SuperResolver"/>. Default: <c>null</c>.
    /// </summary>
    public string? OutputColumnName = null;

    /// <summary>
    /// Name of the <see cref="MLImage"/> column to super-resolve. <c>null</c> (the default) means the same
    /// name as <see cref="OutputColumnName"/>, so the output replaces the input.
    /// </summary>
    public string? InputColumnName = null;

    /// <summary>
    /// Upscaling factor. With neither <see cref="ModelPath"/> nor <see cref="ModelBytes"/> it picks the
    /// embedded default HSPAN model (2, 3 or 4; <c>null</c> means 2). With a model of your own it is read
    /// from the model's <c>scale</c> metadata; setting it then asserts that value (a different value is an
    /// error) or supplies it for a model without <c>scale</c> metadata. Default: <c>null</c>.
    /// </summary>
    public int? Scale = null;

    /// <summary>
    /// Which of the embedded default models to run when neither <see cref="ModelPath"/> nor <see cref="ModelBytes"/>
    /// is set: <see cref="ModelPrecision.Float32"/> (the default) or <see cref="ModelPrecision.Int8"/>. With a model of
    /// your own it must stay <see cref="ModelPrecision.Float32"/> (your model's precision is its own).
    /// </summary>
    public ModelPrecision DefaultModelPrecision = ModelPrecision.Float32;

    /// <summary>
    /// Path of a single-image super-resolution ONNX model (one float32 [N, 3, H, W] input, one float32
    /// [N, 3, s*H, s*W] output, of any names; see <see cref="InputRange"/>, <see cref="InputColorOrder"/> and
    /// <see cref="InputSizeMultiple"/>) to use instead of the embedded default. Only apply models from
    /// trusted sources. Default: <c>null</c>.
    /// </summary>
    public string? ModelPath = null;

    /// <summary>
    /// The bytes of a super-resolution ONNX model, as an alternative to <see cref="ModelPath"/> (set one of them,
    /// not both). Only apply models from trusted sources. Default: <c>null</c>.
    /// </summary>
    public byte[]? ModelBytes = null;

    /// <summary>
    /// The value range the model takes and gives: 1 for [0, 1] (the default) or 255 for [0, 255]. <c>null</c>
    /// reads it from the model's <c>input_range</c> metadata (<c>0-1</c> or <c>0-255</c>); when both are set they
    /// must agree. Default: <c>null</c>.
    /// </summary>
    public float? InputRange = null;

    /// <summary>
    /// The channel order the model takes and gives: <c>RGB</c> (the default) or <c>BGR</c>. <c>null</c> reads it
    /// from the model's <c>input_color_order</c> metadata. Default: <c>null</c>.
    /// </summary>
    public string? InputColorOrder = null;

    /// <summary>
    /// For models whose input height and width must be multiples of some N (window-based networks such as
    /// SwinIR): N. Tiles are padded by mirroring up to the multiple and the output cropped back. <c>null</c>
    /// reads it from the model's <c>input_size_multiple</c> metadata, else 1. Default: <c>null</c>.
    /// </summary>
    public int? InputSizeMultiple = null;

    /// <summary>
    /// Side, in input pixels, of the square tiles the image is cut into for the network. <c>0</c> (the
    /// default) derives it from <see cref="AttentionMemoryBudgetBytes"/> for HSPAN models, uses the input size of a
    /// model with a fixed one, and <see cref="DefaultTileSizeOfOtherModels"/> for models that declare another
    /// <c>architecture</c>. Images no larger than a tile run whole. With 0, a tile may grow by up to the mirrored
    /// margin's width where the margin would otherwise add a row or column of tiles. Where an HSPAN model's attention
    /// scores are materialized (CUDA, or a model without the attention function), an explicit tile must also fit that
    /// budget: a larger one is refused with the largest that fits (raise the budget with <see cref="AttentionBytes(int)"/>
    /// to use it); the CPU attention kernel holds no scores, so there any tile runs.
    /// </summary>
    public int TileSize = 0;

    /// <summary>
    /// Memory, in bytes, allowed for the attention scores of one tile of an HSPAN model: its attention
    /// compares every position of a tile with every other, (side²)² float32 scores where they are materialized,
    /// so with <see cref="TileSize"/> 0 the tile side is the largest with 4·side⁴ within this budget, and there an
    /// explicit TileSize whose tiles need more is refused. Default: 10 MiB, giving 40-pixel tiles. Since the
    /// attention's cost per pixel grows with the tile's area, small tiles are also fast, and the default
    /// models (trained on 48-pixel patches) score as well with them as with larger ones (docs/MODELS.md).
    /// The whole network needs several times this at its peak.
    /// </summary>
    public long AttentionMemoryBudgetBytes = 10L << 20;

    /// <summary>
    /// The tile side used with <see cref="TileSize"/> 0 for models whose metadata names an architecture other than
    /// HSPAN (convolutional networks such as Real-ESRGAN, whose memory grows with the tile's area, not its square).
    /// </summary>
    public const int DefaultTileSizeOfOtherModels = 128;

    /// <summary>The bytes of HSPAN attention scores one square tile of <paramref name="tileSize"/> input pixels holds: 4·side⁴.</summary>
    public static long AttentionBytes(int tileSize) => AttentionBytes(tileSize, tileSize);

    /// <summary>The same for a tile of <paramref name="width"/> × <paramref name="height"/>: 4·(w·h)².</summary>
    internal static long AttentionBytes(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        double positions = (double)width * height;
        double bytes = 4.0 * positions * positions;
        return bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
    }

    /// <summary>
    /// Pixels of the input that neighbouring tiles share, at least; their outputs are blended there with
    /// linear ramps, so no seam shows. Must be less than half the tile size. Default: 4 (docs/MODELS.md
    /// compares larger overlaps).
    /// </summary>
    public int TileOverlap = 4;

    /// <summary>
    /// Geometric self-ensemble: run the network on the 8 flips and rotations of each tile and average the
    /// results (the "+" results of the HSPAN paper); about 8 times slower. Default: <c>false</c>.
    /// </summary>
    public bool SelfEnsemble = false;

    /// <summary>
    /// Largest input image accepted, in pixels (width × height); a larger image is an error rather than an
    /// allocation of unbounded memory for its output. Files read through <see cref="ImageFiles"/>,
    /// <c>LoadImagesChecked</c> or the <see cref="SuperResolver"/> overloads taking a path or a stream are
    /// refused from their header, before decoding. Default: <see cref="DefaultMaxInputPixels"/>.
    /// </summary>
    public long MaxInputPixels = DefaultMaxInputPixels;

    /// <summary>The default of <see cref="MaxInputPixels"/>: 4096 × 4096.</summary>
    public const long DefaultMaxInputPixels = 4096L * 4096;

    /// <summary>
    /// Threads ONNX Runtime uses inside one operator. <c>null</c> (the default) lets ONNX Runtime decide.
    /// </summary>
    public int? IntraOpNumThreads = null;

    /// <summary>
    /// Whether CPU sessions run a model's attention function as the runtime's attention kernel (the default) or
    /// as its standard-op body; off only to compare the two.
    /// </summary>
    internal bool AttentionKernel = true;

    /// <summary>
    /// GPU device to run on with ONNX Runtime's CUDA execution provider (needs the
    /// Microsoft.ML.OnnxRuntime.Gpu package and CUDA). <c>null</c> (the default) runs on the CPU.
    /// </summary>
    public int? GpuDeviceId = null;

    /// <summary>
    /// When <see cref="GpuDeviceId"/> is set and the CUDA execution provider cannot start, run on the CPU
    /// instead of throwing. Default: <c>false</c>.
    /// </summary>
    public bool FallbackToCpu = false;

    internal SuperResolutionOptions Clone() => (SuperResolutionOptions)MemberwiseClone();
}
