using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Evaluation;

/// <summary>The bicubic baseline of SR papers: MATLAB <c>imresize(lowRes, scale, 'bicubic')</c>, 8-bit output.</summary>
public sealed class MatlabBicubicUpscaler : IUpscaler
{
    /// <summary>Creates a bicubic upscaler for an integer <paramref name="scale"/> of at least 1.</summary>
    public MatlabBicubicUpscaler(int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        Scale = scale;
    }

    /// <inheritdoc />
    public int Scale { get; }

    /// <inheritdoc />
    public RgbImage Upscale(RgbImage lowRes) => MatlabImresize.Resize(lowRes, Scale);
}
