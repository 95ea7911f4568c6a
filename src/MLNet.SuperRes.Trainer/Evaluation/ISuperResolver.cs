using MLNet.SuperRes.Trainer.Data;

namespace MLNet.SuperRes.Trainer.Evaluation;

/// <summary>Something that enlarges an image by a fixed integer factor: a network, or bicubic interpolation.</summary>
public interface ISuperResolver
{
    /// <summary>The enlargement factor.</summary>
    int Scale { get; }

    /// <summary>
    /// Enlarges <paramref name="lowRes"/>. Returns planar float RGB (CHW) in [0, 1], of length
    /// 3 * (Scale * Height) * (Scale * Width).
    /// </summary>
    float[] Upscale(RgbImage lowRes);

    /// <summary>
    /// Whether <see cref="Upscale"/> already averages the x8 flips and transposes itself (the runtime's
    /// engine does, per tile, before rounding), so no <see cref="SelfEnsembleResolver"/> goes around it.
    /// </summary>
    bool SelfEnsembles => false;
}
