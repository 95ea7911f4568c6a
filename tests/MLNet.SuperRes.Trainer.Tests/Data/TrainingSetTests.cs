using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Trainer.Data;

namespace MLNet.SuperRes.Trainer.Tests.Data;

public sealed class TrainingSetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("superres-trainingset-").FullName;
    private static readonly Lazy<TrainingSet> Set5X2 = new(() => TrainingSet.Load([Set5], 2, 8));

    private static string Set5 => Path.Combine(SharedData.Data, "Set5");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void EachPairIsTheModCroppedImageAndItsMatlabBicubicLowRes()
    {
        var set = TrainingSet.Load([Set5], 3, 8);
        Assert.Equal(ImageFolder.Images(Set5).Select(Path.GetFileName), set.Pairs.Select(p => p.Name));
        foreach (var pair in set.Pairs)
        {
            var expected = RgbImage.Load(Path.Combine(Set5, pair.Name)).ModCrop(3);
            Assert.Equal((expected.Width, expected.Height), (pair.HighRes.Width, pair.HighRes.Height));
            Assert.Equal(expected.Pixels, pair.HighRes.Pixels);
            Assert.Equal(MatlabImresize.Resize(expected, 1.0 / 3).Pixels, pair.LowRes.Pixels);
        }
    }

    [Fact]
    public void ImagesSmallerThanOnePatchAreLeftOutAndNamed()
    {
        var data = Directory.CreateDirectory(Path.Combine(_folder, "data")).FullName;
        File.Copy(Path.Combine(Set5, "bird.png"), Path.Combine(data, "bird.png"));
        new RgbImage(30, 40, new byte[30 * 40 * 3]).Save(Path.Combine(data, "tiny.png"));
        var log = new List<string>();
        var set = TrainingSet.Load([data], 2, 16, log.Add);
        Assert.Equal(["bird.png"], set.Pairs.Select(p => p.Name));
        Assert.Contains(log, line => line.Contains("Left out 1 image(s) smaller than one HR patch (32x32): tiny.png"));
    }

    [Fact]
    public void ABatchDependsOnlyOnSeedAndIteration()
    {
        var first = Set5X2.Value.Sample(7, 3, 8, seed: 11);
        var again = Set5X2.Value.Sample(7, 3, 8, seed: 11);
        Assert.Equal(first.LowRes, again.LowRes);
        Assert.Equal(first.HighRes, again.HighRes);
        Assert.NotEqual(first.LowRes, Set5X2.Value.Sample(8, 3, 8, seed: 11).LowRes);
        Assert.NotEqual(first.LowRes, Set5X2.Value.Sample(7, 3, 8, seed: 12).LowRes);
    }

    [Fact]
    public void EachPatchPairIsOneCropOfOnePairUnderOneFlip()
    {
        const int patch = 6, scale = 2;
        var set = Set5X2.Value;
        var batch = set.Sample(3, 4, patch, seed: 1);
        for (int b = 0; b < batch.BatchSize; b++)
        {
            var low = batch.LowRes.AsSpan(b * 3 * patch * patch, 3 * patch * patch).ToArray();
            var high = batch.HighRes.AsSpan(b * 3 * patch * patch * scale * scale, 3 * patch * patch * scale * scale).ToArray();
            Assert.True(FoundAt(set, low, high, patch, scale), $"patch {b} is no aligned crop of the training images");
        }
    }

    /// <summary>Whether some pair, crop corner and flip give exactly these LR and HR patches (planar, [0, 1]).</summary>
    private static bool FoundAt(TrainingSet set, float[] low, float[] high, int patch, int scale)
    {
        foreach (var pair in set.Pairs)
            for (int k = 0; k < DihedralTransform.Count; k++)
                for (int y = 0; y + patch <= pair.LowRes.Height; y++)
                    for (int x = 0; x + patch <= pair.LowRes.Width; x++)
                        if (Matches(pair.LowRes, x, y, patch, k, low) && Matches(pair.HighRes, x * scale, y * scale, patch * scale, k, high))
                            return true;
        return false;
    }

    private static bool Matches(RgbImage image, int x0, int y0, int size, int k, float[] planar)
    {
        int plane = size * size;
        for (int v = 0; v < size; v++)
            for (int u = 0; u < size; u++)
            {
                var (sy, sx) = DihedralTransform.SourceOf(k, v, u, size, size);
                int source = ((y0 + sy) * image.Width + x0 + sx) * 3;
                for (int c = 0; c < 3; c++)
                    if (planar[c * plane + v * size + u] != image.Pixels[source + c] * (1f / 255f))
                        return false;
            }
        return true;
    }

    [Fact]
    public void AnUnreadableTrainingImageIsNamedBeforeTraining()
    {
        var data = Directory.CreateDirectory(Path.Combine(_folder, "data")).FullName;
        foreach (var file in Directory.GetFiles(Set5)) File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        var bytes = File.ReadAllBytes(Directory.GetFiles(Set5, "*.png")[0]);
        File.WriteAllBytes(Path.Combine(data, "truncated.png"), bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => TrainingSet.Load([data], 2, 8));
        Assert.Contains("1 training image(s) cannot be read", e.Message);
        Assert.Contains("truncated.png", e.Message);
    }

    [Fact]
    public void AMissingOrEmptyTrainingFolderIsNamed()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "no images here");
        var e = Assert.Throws<InvalidDataException>(() => TrainingSet.Load([Set5, empty], 2, 8));
        Assert.Contains($"Training folder '{empty}' holds no image (.png", e.Message);
        string missing = Path.Combine(_folder, "missing");
        Assert.Contains($"Training folder '{missing}' does not exist",
            Assert.Throws<DirectoryNotFoundException>(() => TrainingSet.Load([missing], 2, 8)).Message);
    }
}
