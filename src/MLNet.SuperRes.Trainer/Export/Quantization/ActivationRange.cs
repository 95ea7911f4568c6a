namespace MLNet.SuperRes.Trainer.Export.Quantization;

/// <summary>
/// The range a float value took over the calibration crops, and the uint8 quantization that covers it:
/// the range widened to hold 0 (so that zero padding and ReLU's zeros are exact), scale = width / 255,
/// zero point = round(-min / scale).
/// </summary>
internal readonly record struct ActivationRange(float Min, float Max)
{
    public float Scale
    {
        get
        {
            float width = MathF.Max(Max, 0f) - MathF.Min(Min, 0f);
            return width > 0f ? width / 255f : 1f;
        }
    }

    public byte ZeroPoint => (byte)Math.Clamp(MathF.Round(-MathF.Min(Min, 0f) / Scale), 0f, 255f);

    /// <summary>The union of two ranges.</summary>
    public ActivationRange Union(ActivationRange other) => new(MathF.Min(Min, other.Min), MathF.Max(Max, other.Max));
}
