using System.Collections.Concurrent;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Trainer.Data;

/// <summary>
/// The training images held in memory with their LR made once (MATLAB-compatible bicubic), and
/// deterministic batch sampling: batch i depends only on (seed, i), so a resumed run sees exactly
/// the batches an uninterrupted run would have seen.
/// </summary>
public sealed class TrainingSet
{
    public IReadOnlyList<TrainingPair> Pairs { get; }
    public int Scale { get; }

    private TrainingSet(IReadOnlyList<TrainingPair> pairs, int scale) => (Pairs, Scale) = (pairs, scale);

    /// <summary>
    /// Loads every image of the folders (in parallel). Images smaller than one HR patch cannot give
    /// a crop: they are left out and named in the log (T91 holds a few such at larger patch sizes).
    /// </summary>
    public static TrainingSet Load(IEnumerable<string> folders, int scale, int lrPatchSize, Action<string>? log = null)
    {
        var files = folders.SelectMany(folder => ImageFolder.RequireImages(folder, "Training folder")).ToList();
        var pairs = new TrainingPair?[files.Count];
        var unreadable = new ConcurrentDictionary<int, string>();
        Parallel.For(0, files.Count, i =>
        {
            RgbImage hr;
            try { hr = RgbImage.Load(files[i]); }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
            {
                unreadable[i] = e.Message;
                return;
            }
            if (hr.Width < scale || hr.Height < scale) return;
            hr = hr.ModCrop(scale);
            if (hr.Width < lrPatchSize * scale || hr.Height < lrPatchSize * scale) return;
            pairs[i] = new TrainingPair(Path.GetFileName(files[i]), hr, MatlabImresize.Resize(hr, 1.0 / scale));
        });
        if (!unreadable.IsEmpty)
        {
            var first = unreadable.OrderBy(kv => kv.Key).Take(3).Select(kv => kv.Value);
            throw new InvalidDataException($"{unreadable.Count} training image(s) cannot be read; fix or remove them: {string.Join(" ", first)}{(unreadable.Count > 3 ? " ..." : "")}");
        }
        var tooSmall = files.Where((_, i) => pairs[i] is null).Select(Path.GetFileName).ToList();
        if (tooSmall.Count == files.Count)
            throw new InvalidDataException($"Every training image is smaller than one HR patch ({lrPatchSize * scale}x{lrPatchSize * scale}); use a smaller --patch-size.");
        if (tooSmall.Count > 0)
            log?.Invoke($"Left out {tooSmall.Count} image(s) smaller than one HR patch ({lrPatchSize * scale}x{lrPatchSize * scale}): {string.Join(", ", tooSmall)}.");
        var kept = pairs.OfType<TrainingPair>().ToList();
        log?.Invoke($"Loaded {kept.Count} training images from {string.Join(", ", folders)} (LR made with MATLAB-compatible bicubic x1/{scale}).");
        return new TrainingSet(kept, scale);
    }

    /// <summary>Batch <paramref name="iteration"/>: random image, random aligned crop, one of the 8 flips and transposes.</summary>
    public PatchBatch Sample(long iteration, int batchSize, int patchSize, int seed)
    {
        int s = Scale, hp = patchSize * s;
        var lrData = new float[batchSize * 3 * patchSize * patchSize];
        var hrData = new float[batchSize * 3 * hp * hp];
        for (int b = 0; b < batchSize; b++)
        {
            var rng = new Random(MixSeed(seed, iteration, b));
            var pair = Pairs[rng.Next(Pairs.Count)];
            int x = rng.Next(pair.LowRes.Width - patchSize + 1), y = rng.Next(pair.LowRes.Height - patchSize + 1);
            int transform = rng.Next(DihedralTransform.Count);
            CopyPatch(pair.LowRes, x, y, patchSize, transform, lrData.AsSpan(b * 3 * patchSize * patchSize));
            CopyPatch(pair.HighRes, x * s, y * s, hp, transform, hrData.AsSpan(b * 3 * hp * hp));
        }
        return new PatchBatch(iteration, lrData, hrData, batchSize, patchSize, s);
    }

    /// <summary>Writes the size × size patch at (x0, y0), under dihedral transform <paramref name="transform"/>, as planar floats.</summary>
    private static void CopyPatch(RgbImage image, int x0, int y0, int size, int transform, Span<float> destination)
    {
        const float factor = 1f / 255f;
        int plane = size * size;
        var pixels = image.Pixels;
        for (int v = 0; v < size; v++)
        for (int u = 0; u < size; u++)
        {
            var (sy, sx) = DihedralTransform.SourceOf(transform, v, u, size, size);
            int src = ((y0 + sy) * image.Width + (x0 + sx)) * 3;
            int dst = v * size + u;
            destination[dst] = pixels[src] * factor;
            destination[plane + dst] = pixels[src + 1] * factor;
            destination[2 * plane + dst] = pixels[src + 2] * factor;
        }
    }

    private static int MixSeed(int seed, long iteration, int index)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)iteration * 0xBF58476D1CE4E5B9UL ^ (ulong)index * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
