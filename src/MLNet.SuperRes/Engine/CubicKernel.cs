namespace MLNet.SuperRes.Engine;

/// <summary>
/// The Keys cubic convolution kernel with a = -0.5 (MATLAB's <c>cubic</c>, written as imresize.m writes it), the one
/// both bicubic resamplers use: the engine's alpha upsampling and the evaluation library's MATLAB imresize.
/// </summary>
internal static class CubicKernel
{
    public static double Keys(double x)
    {
        double absX = Math.Abs(x), absX2 = absX * absX, absX3 = absX2 * absX;
        if (absX <= 1) return 1.5 * absX3 - 2.5 * absX2 + 1;
        if (absX <= 2) return -0.5 * absX3 + 2.5 * absX2 - 4 * absX + 2;
        return 0;
    }

    /// <summary>
    /// The engine's one rounding of a value in [0, 255] to a byte: half up, as the blended network output is rounded
    /// (MATLAB's half-away-from-zero, the SR papers' protocol, is the evaluation library's own).
    /// </summary>
    public static byte RoundToByte(float value) => (byte)(Math.Clamp(value, 0f, 255f) + 0.5f);

    /// <summary>The same rounding for a value in [0, 65535], to 16 bits.</summary>
    public static ushort RoundToUInt16(float value) => (ushort)(Math.Clamp(value, 0f, 65535f) + 0.5f);
}
