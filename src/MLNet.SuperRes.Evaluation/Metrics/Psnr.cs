namespace MLNet.SuperRes.Evaluation.Metrics;

/// <summary>Peak signal-to-noise ratio for 8-bit-range planes.</summary>
public static class Psnr
{
    /// <summary>
    /// PSNR in dB, 10 log10(255^2 / MSE), over the planes with <paramref name="shave"/> pixels cut from
    /// every border. Identical planes (MSE = 0) give <see cref="double.PositiveInfinity"/>.
    /// </summary>
    /// <param name="reference">The ground truth, row-major, values in [0, 255].</param>
    /// <param name="test">The plane to score, same size.</param>
    public static double Compute(double[] reference, double[] test, int width, int height, int shave)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        Plane.CheckSize(reference, width, height, nameof(reference));
        Plane.CheckSize(test, width, height, nameof(test));
        var a = Plane.Shave(reference, width, height, shave, out _, out _);
        var b = Plane.Shave(test, width, height, shave, out _, out _);
        double sumSquares = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sumSquares += d * d;
        }
        double mse = sumSquares / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
