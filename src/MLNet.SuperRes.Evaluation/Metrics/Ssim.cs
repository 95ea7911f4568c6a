namespace MLNet.SuperRes.Evaluation.Metrics;

/// <summary>
/// Structural similarity (Wang et al. 2004) as MATLAB's <c>ssim_index</c> and BasicSR's <c>calculate_ssim</c>
/// compute it: 11x11 Gaussian window with sigma 1.5 (normalised), K1 = 0.01, K2 = 0.03, L = 255,
/// 'valid' filtering, mean of the SSIM map.
/// </summary>
public static class Ssim
{
    private const int WindowSize = 11;
    private const double Sigma = 1.5;
    private const double C1 = (0.01 * 255) * (0.01 * 255);
    private const double C2 = (0.03 * 255) * (0.03 * 255);

    private static readonly double[] GaussianTaps = NormalisedGaussian(WindowSize, Sigma);

    /// <summary>
    /// Mean SSIM over the planes with <paramref name="shave"/> pixels cut from every border. Identical planes give 1.
    /// </summary>
    /// <param name="reference">The ground truth, row-major, values in [0, 255].</param>
    /// <param name="test">The plane to score, same size.</param>
    /// <exception cref="ArgumentException">The shaved planes are smaller than the 11x11 window.</exception>
    public static double Compute(double[] reference, double[] test, int width, int height, int shave)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        Plane.CheckSize(reference, width, height, nameof(reference));
        Plane.CheckSize(test, width, height, nameof(test));
        var a = Plane.Shave(reference, width, height, shave, out int w, out int h);
        var b = Plane.Shave(test, width, height, shave, out _, out _);
        if (w < WindowSize || h < WindowSize)
            throw new ArgumentException($"SSIM needs at least {WindowSize}x{WindowSize} pixels after shaving, got {w}x{h}.", nameof(reference));

        var aa = new double[a.Length];
        var bb = new double[a.Length];
        var ab = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            aa[i] = a[i] * a[i];
            bb[i] = b[i] * b[i];
            ab[i] = a[i] * b[i];
        }
        var muA = FilterValid(a, w, h, out int vw, out int vh);
        var muB = FilterValid(b, w, h, out _, out _);
        var meanAA = FilterValid(aa, w, h, out _, out _);
        var meanBB = FilterValid(bb, w, h, out _, out _);
        var meanAB = FilterValid(ab, w, h, out _, out _);

        double sum = 0;
        for (int i = 0; i < vw * vh; i++)
        {
            double muA2 = muA[i] * muA[i], muB2 = muB[i] * muB[i], muAB = muA[i] * muB[i];
            double varA = meanAA[i] - muA2, varB = meanBB[i] - muB2, covAB = meanAB[i] - muAB;
            sum += (2 * muAB + C1) * (2 * covAB + C2) / ((muA2 + muB2 + C1) * (varA + varB + C2));
        }
        return sum / (vw * vh);
    }

    /// <summary>
    /// 'valid' correlation with the 2-D Gaussian window, done as two 1-D passes: the window
    /// fspecial('gaussian', 11, 1.5) is the outer product of the normalised 1-D Gaussian with itself.
    /// </summary>
    private static double[] FilterValid(double[] plane, int width, int height, out int outWidth, out int outHeight)
    {
        outWidth = width - WindowSize + 1;
        outHeight = height - WindowSize + 1;
        var horizontal = new double[outWidth * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < outWidth; x++)
            {
                double s = 0;
                int offset = y * width + x;
                for (int k = 0; k < WindowSize; k++)
                    s += GaussianTaps[k] * plane[offset + k];
                horizontal[y * outWidth + x] = s;
            }
        var result = new double[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
            for (int k = 0; k < WindowSize; k++)
            {
                double tap = GaussianTaps[k];
                int inOffset = (y + k) * outWidth, outOffset = y * outWidth;
                for (int x = 0; x < outWidth; x++)
                    result[outOffset + x] += tap * horizontal[inOffset + x];
            }
        return result;
    }

    private static double[] NormalisedGaussian(int size, double sigma)
    {
        var taps = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++)
        {
            double d = i - (size - 1) / 2.0;
            taps[i] = Math.Exp(-d * d / (2 * sigma * sigma));
            sum += taps[i];
        }
        for (int i = 0; i < size; i++) taps[i] /= sum;
        return taps;
    }
}
