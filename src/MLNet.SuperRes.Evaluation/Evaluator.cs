using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Evaluation.Metrics;

namespace MLNet.SuperRes.Evaluation;

/// <summary>
/// Scores a super-resolver the way SR papers build their tables: HR mod-cropped to the scale, LR made
/// with MATLAB bicubic imresize, output quantised to 8 bits, PSNR and SSIM on the luma with the scale
/// shaved from every border.
/// </summary>
public sealed class Evaluator
{
    private readonly IUpscaler _upscaler;
    private readonly Action<string, RgbImage>? _restored;

    /// <summary>Creates an evaluator for <paramref name="upscaler"/> at its own scale.</summary>
    /// <param name="restored">Hears each image's name and its restored (8-bit, full-size) output as it is scored.</param>
    public Evaluator(IUpscaler upscaler, Action<string, RgbImage>? restored = null)
    {
        ArgumentNullException.ThrowIfNull(upscaler);
        _upscaler = upscaler;
        _restored = restored;
    }

    /// <summary>The image files of <paramref name="folder"/> that the evaluator reads, sorted by name (ordinal).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no PNG, BMP, JPEG or WebP file.</exception>
    public static IReadOnlyList<string> ImageFiles(string folder) => ImageFolder.RequireImages(folder, "Evaluation folder");

    /// <summary>Scores every image of <paramref name="folder"/>.</summary>
    /// <param name="folder">A folder of high-resolution images.</param>
    /// <param name="modelDescription">What is evaluated, for the report (e.g. "bicubic" or a model path).</param>
    /// <param name="selfEnsemble">Whether the upscaler averages the x8 self-ensemble, for the report.</param>
    /// <param name="progress">Hears (images done, images in all, the next image's name) before each image.</param>
    public EvaluationReport EvaluateFolder(string folder, string modelDescription, bool selfEnsemble, Action<int, int, string>? progress = null)
    {
        var files = ImageFiles(folder);
        var scores = new List<ImageScore>(files.Count);
        foreach (string file in files)
        {
            progress?.Invoke(scores.Count, files.Count, Path.GetFileName(file));
            scores.Add(EvaluateImage(file));
        }
        return new EvaluationReport(_upscaler.Scale, folder, modelDescription, selfEnsemble, scores);
    }

    /// <summary>Scores one high-resolution image file.</summary>
    public ImageScore EvaluateImage(string path)
    {
        var highRes = RgbImage.Load(path);
        string name = Path.GetFileNameWithoutExtension(path);
        var (psnr, ssim) = Score(highRes, restored => _restored?.Invoke(name, restored));
        return new ImageScore(name, psnr, ssim);
    }

    /// <summary>
    /// Mod-crops <paramref name="highRes"/>, shrinks it with MATLAB bicubic, enlarges it with the
    /// upscaler and scores the 8-bit result on the luma (or, for a file stored as one grey channel,
    /// on the grey value: see <see cref="Luma.ScoringPlane"/>).
    /// </summary>
    public (double Psnr, double Ssim) Score(RgbImage highRes) => Score(highRes, null);

    private (double Psnr, double Ssim) Score(RgbImage highRes, Action<RgbImage>? restoredImage)
    {
        ArgumentNullException.ThrowIfNull(highRes);
        int scale = _upscaler.Scale;
        var groundTruth = highRes.ModCrop(scale);
        var lowRes = MatlabImresize.Resize(groundTruth, 1.0 / scale);
        var restored = _upscaler.Upscale(lowRes);
        restoredImage?.Invoke(restored);
        if (restored.Width != groundTruth.Width || restored.Height != groundTruth.Height)
            throw new InvalidOperationException(
                $"The upscaler returned {restored.Width}x{restored.Height} for a {lowRes.Width}x{lowRes.Height} input at x{scale}; expected {groundTruth.Width}x{groundTruth.Height}.");

        var reference = Luma.ScoringPlane(groundTruth, highRes.IsStoredGrey);
        var test = Luma.ScoringPlane(restored, highRes.IsStoredGrey);
        return (Psnr.Compute(reference, test, groundTruth.Width, groundTruth.Height, scale),
                Ssim.Compute(reference, test, groundTruth.Width, groundTruth.Height, scale));
    }
}
