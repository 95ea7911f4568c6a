using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Trainer.Export.Quantization;

/// <summary>
/// Low-resolution crops to calibrate a model's activations on: images of the given folders (spread evenly
/// over their sorted files), mod-cropped and shrunk by the scale with the MATLAB-compatible bicubic, as
/// training and evaluation make LR images, then cut into crops of the runtime's default tile side at
/// positions fixed by a seed. An LR image smaller than a crop is used whole.
/// </summary>
internal static class CalibrationCrops
{
    /// <summary>The runtime's default tile side, so calibration sees tiles of the size the model runs on.</summary>
    public static int CropSize => TilePlan.Default.TileSize;

    public const int CropsPerImage = 4;

    /// <summary>The image files of <paramref name="folders"/>; throws naming a folder that is missing or holds no image.</summary>
    public static IReadOnlyList<string> ImageFiles(IReadOnlyList<string> folders)
    {
        var files = new List<string>();
        foreach (var folder in folders)
            files.AddRange(ImageFolder.RequireImages(folder, "Calibration folder"));
        return files;
    }

    private static readonly string[] BenchmarkTestSets = ["Set5", "Set14", "B100", "BSD100", "Urban100", "Manga109"];

    /// <summary>Whether a folder is named as one of the SR benchmark test sets (which calibration must not see).</summary>
    public static bool IsBenchmarkTestSet(string folder) =>
        BenchmarkTestSets.Contains(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), StringComparer.OrdinalIgnoreCase);

    /// <summary><paramref name="count"/> files spread evenly over <paramref name="files"/> (all of them when there are fewer).</summary>
    public static IReadOnlyList<string> Spread(IReadOnlyList<string> files, int count)
    {
        if (count >= files.Count) return files;
        return Enumerable.Range(0, count).Select(i => files[(int)((long)i * files.Count / count)]).ToList();
    }

    /// <summary>
    /// The crops of one image as planar RGB batches in [0, 1]: one [k, 3, CropSize, CropSize] batch, or one [1, 3, h, w]
    /// batch when the LR image is smaller than a crop.
    /// </summary>
    public static IEnumerable<(float[] Data, long[] Shape)> Of(string path, int scale, int seed)
    {
        var lowRes = MatlabImresize.Resize(RgbImage.Load(path).ModCrop(scale), 1.0 / scale);
        if (lowRes.Width < CropSize || lowRes.Height < CropSize)
        {
            yield return (lowRes.ToPlanarFloat(), new long[] { 1, 3, lowRes.Height, lowRes.Width });
            yield break;
        }
        var random = new Random(seed);
        int plane = 3 * CropSize * CropSize;
        var batch = new float[CropsPerImage * plane];
        for (int i = 0; i < CropsPerImage; i++)
        {
            int x = random.Next(lowRes.Width - CropSize + 1), y = random.Next(lowRes.Height - CropSize + 1);
            lowRes.Crop(x, y, CropSize, CropSize).ToPlanarFloat().CopyTo(batch, i * plane);
        }
        yield return (batch, new long[] { CropsPerImage, 3, CropSize, CropSize });
    }
}
