using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Evaluation.Metrics;

/// <summary>
/// The single-channel planes SR papers score on: the luma of MATLAB's <c>rgb2ycbcr</c>, or the grey
/// channel itself for images stored as greyscale.
/// </summary>
public static class Luma
{
    private const double RedWeight = 65.481, GreenWeight = 128.553, BlueWeight = 24.966;

    /// <summary>The sum of the three luma weights: Y spans 16 to 16 + 219 over 8-bit input.</summary>
    public const double WeightSum = RedWeight + GreenWeight + BlueWeight;

    /// <summary>
    /// MATLAB <c>rgb2ycbcr</c> luma in double, not rounded: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255
    /// with R, G, B in [0, 255], so Y is in [16, 235]. This is what EDSR/RCAN's Evaluate_PSNR_SSIM.m
    /// (rgb2ycbcr of im2double) and BasicSR's <c>test_y_channel</c> score on.
    /// </summary>
    /// <returns>A row-major Height x Width plane.</returns>
    public static double[] Rgb2Y(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var y = new double[image.Width * image.Height];
        var p = image.Pixels;
        for (int i = 0; i < y.Length; i++)
            y[i] = 16.0 + (RedWeight * p[3 * i] + GreenWeight * p[3 * i + 1] + BlueWeight * p[3 * i + 2]) / 255.0;
        return y;
    }

    /// <summary>
    /// A grey value in [0, 255] from RGB, with the luma weights normalised to sum 1 and no offset:
    /// (65.481 R + 128.553 G + 24.966 B) / 219. Equal to the grey level itself when R = G = B, so a grey
    /// image kept as three equal channels scores exactly as its single channel; for a network's RGB output
    /// of a grey input it is the luma-weighted mix of the three (slightly different) channels.
    /// </summary>
    public static double[] Rgb2Grey(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var grey = new double[image.Width * image.Height];
        var p = image.Pixels;
        for (int i = 0; i < grey.Length; i++)
            grey[i] = (RedWeight * p[3 * i] + GreenWeight * p[3 * i + 1] + BlueWeight * p[3 * i + 2]) / WeightSum;
        return grey;
    }

    /// <summary>
    /// The plane an image is scored on: <see cref="Rgb2Grey"/> when its file stored one grey channel
    /// (as the MATLAB scripts compare a 1-channel image directly), otherwise <see cref="Rgb2Y"/>.
    /// </summary>
    public static double[] ScoringPlane(RgbImage image, bool greyscale) => greyscale ? Rgb2Grey(image) : Rgb2Y(image);
}
