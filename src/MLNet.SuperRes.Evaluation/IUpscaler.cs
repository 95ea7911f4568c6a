using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Evaluation;

/// <summary>What an <see cref="Evaluator"/> scores: something that enlarges an image by a fixed integer factor (a network, or bicubic interpolation).</summary>
public interface IUpscaler
{
    /// <summary>The enlargement factor.</summary>
    int Scale { get; }

    /// <summary>
    /// Enlarges <paramref name="lowRes"/> to Scale·Width × Scale·Height, quantised to 8 bits once, at the
    /// end, as SR papers score (a network's geometric self-ensemble, where asked for, is averaged before).
    /// </summary>
    RgbImage Upscale(RgbImage lowRes);
}
