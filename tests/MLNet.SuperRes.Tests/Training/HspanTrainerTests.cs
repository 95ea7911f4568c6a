using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Training;

namespace MLNet.SuperRes.Tests.Training;

public class HspanTrainerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-train-").FullName;
    private static readonly Lazy<TrainingSet> set = new(() => TrainingSet.Load([Set5], 2, 8));

    private static string Set5 => Path.Combine(SharedData.Data, "Set5");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private TrainOptions Tiny(string name, long iterations, double lr = 1e-3) => new()
    {
        DataFolders = [Set5],
        OutDir = Path.Combine(dir, name),
        Model = new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 8, Scale = 2 },
        PatchSize = 8, BatchSize = 4, Iterations = iterations, LearningRate = lr, DecaySteps = [],
        LogEvery = 1000, ValEvery = 3, LoaderThreads = 1, Seed = 5,
    };

    [Fact]
    public void LossDropsOnAFewPatches()
    {
        var result = new HspanTrainer(Tiny("drop", 80, lr: 2e-3), _ => { }).Run(resume: false, set.Value);
        double first = result.Losses.Take(10).Average(), last = result.Losses.TakeLast(10).Average();
        Assert.True(last < 0.7 * first, $"loss went from {first:F4} to {last:F4}");
    }

    [Fact]
    public void ResumeGivesTheSameNextLossesAsAnUninterruptedRun()
    {
        var whole = new HspanTrainer(Tiny("whole", 6), _ => { }).Run(resume: false, set.Value);

        var first = new HspanTrainer(Tiny("parts", 3), _ => { }).Run(resume: false, set.Value);
        var rest = new HspanTrainer(Tiny("parts", 6), _ => { }).Run(resume: true, set.Value);

        Assert.Equal(whole.Losses.Take(3), first.Losses);
        Assert.Equal(whole.Losses.Skip(3), rest.Losses);
    }

    [Theory]
    [InlineData("state.json")]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.bin")]
    public void CorruptCheckpointIsRefused(string file)
    {
        new HspanTrainer(Tiny("corrupt", 3), _ => { }).Run(resume: false, set.Value);
        var path = Path.Combine(dir, "corrupt", CheckpointDirectory.Latest, file);
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);

        var e = Assert.Throws<InvalidDataException>(() => new HspanTrainer(Tiny("corrupt", 6), _ => { }).Run(resume: true, set.Value));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void ResumeWithoutCheckpointIsAnError()
    {
        var e = Assert.Throws<FileNotFoundException>(() => new HspanTrainer(Tiny("empty", 3), _ => { }).Run(resume: true, set.Value));
        Assert.Contains("holds no checkpoint", e.Message);
    }

    [Fact]
    public void DivergingLossStopsWithoutSaving()
    {
        var options = Tiny("nan", 50, lr: 1e12) with { ValEvery = 1000 };
        var e = Assert.Throws<TrainingDivergedException>(() => new HspanTrainer(options, _ => { }).Run(resume: false, set.Value));
        Assert.Contains("stopping without saving", e.Message);
        Assert.False(Directory.Exists(Path.Combine(options.OutDir, CheckpointDirectory.Latest)));
    }

    [Fact]
    public void BatchesDependOnlyOnSeedAndIteration()
    {
        var a = set.Value.Sample(17, 3, 8, seed: 9, rgbRange: 1);
        var b = set.Value.Sample(17, 3, 8, seed: 9, rgbRange: 1);
        var c = set.Value.Sample(18, 3, 8, seed: 9, rgbRange: 1);
        Assert.Equal(a.LowRes, b.LowRes);
        Assert.Equal(a.HighRes, b.HighRes);
        Assert.NotEqual(a.LowRes, c.LowRes);
    }
}
