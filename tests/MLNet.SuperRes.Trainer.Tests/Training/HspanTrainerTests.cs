using MLNet.SuperRes.Trainer.Tests.Archs;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Training;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Training;

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

    /// <summary>A run of <paramref name="model"/> started from the official x2_small weights (--init).</summary>
    private TrainOptions FromOfficialX2Small(string name, HspanConfig model, double lr = 1e-3) =>
        Tiny(name, 1, lr) with { Model = model, InitCheckpoint = Reference.PathOf("x2_small.weights.safetensors") };

    [Fact]
    public void LossDropsOnAFewPatches()
    {
        var result = new HspanTrainer(Tiny("drop", 80, lr: 2e-3), _ => { }).Run(resume: false, set.Value);
        double first = result.Losses.Take(10).Average(), last = result.Losses.TakeLast(10).Average();
        Assert.True(last < 0.7 * first, $"loss went from {first:F4} to {last:F4}");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(24)]
    public void TwoRunsWithTheSameSeedGiveBitIdenticalLossesAndWeights(int feats)
    {
        using var scope = NewDisposeScope();
        TrainOptions Run(string name) => Tiny(name, 40, lr: 2e-3) with { Model = Tiny(name, 1).Model with { NFeats = feats }, ValEvery = 40 };
        var first = new HspanTrainer(Run("first"), _ => { }).Run(resume: false, set.Value);
        var second = new HspanTrainer(Run("second"), _ => { }).Run(resume: false, set.Value);

        Assert.Equal(first.Losses, second.Losses);
        using var firstFile = HspanCheckpoint.Read(Path.Combine(dir, "first", CheckpointDirectory.Latest, "model.safetensors"));
        using var secondFile = HspanCheckpoint.Read(Path.Combine(dir, "second", CheckpointDirectory.Latest, "model.safetensors"));
        var (a, b) = (firstFile.Tensors, secondFile.Tensors);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (key, tensor) in a)
            Assert.True(tensor.eq(b[key]).all().item<bool>(), $"{key} differs between the two runs");
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
    public void AValidationImageTooSmallToScoreFailsBeforeTheFirstIteration()
    {
        var val = Directory.CreateDirectory(Path.Combine(dir, "val-images")).FullName;
        new RgbImage(5, 5, new byte[75]).Save(Path.Combine(val, "tiny.png"));
        var options = Tiny("val", 3) with { ValFolder = val };

        var e = Assert.Throws<InvalidDataException>(() => new HspanTrainer(options, _ => { }).Run(resume: false, set.Value));
        Assert.Contains("tiny.png' is 5x5; at x2 it must be at least 6x6", e.Message);
        Assert.False(Directory.Exists(options.OutDir));
    }

    [Fact]
    public void ADamagedInitCheckpointIsRefused()
    {
        new HspanTrainer(Tiny("source", 3), _ => { }).Run(resume: false, set.Value);
        var model = Path.Combine(dir, "source", CheckpointDirectory.Latest, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        for (int i = 0; i < 16; i++) bytes[bytes.Length - 1 - 7 * i] ^= 0x55;
        File.WriteAllBytes(model, bytes);

        var e = Assert.Throws<InvalidDataException>(() => new HspanTrainer(Tiny("target", 1) with { InitCheckpoint = model }, _ => { }).Run(resume: false, set.Value));
        Assert.Contains("is damaged", e.Message);
        Assert.Contains("model.safetensors", e.Message);
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
        Assert.Contains("No checkpoint was written yet", e.Message);
        Assert.False(Directory.Exists(Path.Combine(options.OutDir, CheckpointDirectory.Latest)));
    }

    [Fact]
    public void BatchesDependOnlyOnSeedAndIteration()
    {
        var a = set.Value.Sample(17, 3, 8, seed: 9);
        var b = set.Value.Sample(17, 3, 8, seed: 9);
        var c = set.Value.Sample(18, 3, 8, seed: 9);
        Assert.Equal(a.LowRes, b.LowRes);
        Assert.Equal(a.HighRes, b.HighRes);
        Assert.NotEqual(a.LowRes, c.LowRes);
    }

    [Fact]
    public void InitFromAnotherScaleStartsOnlyTheUpsamplerFresh()
    {
        using var scope = NewDisposeScope();
        new HspanTrainer(Tiny("x2", 3), _ => { }).Run(resume: false, set.Value);
        var x2 = Path.Combine(dir, "x2", CheckpointDirectory.Latest, "model.safetensors");
        var options = Tiny("x3", 1, lr: 1e-30) with { Model = Tiny("", 1).Model with { Scale = 3 }, InitCheckpoint = x2 };
        var log = new List<string>();
        new HspanTrainer(options, log.Add).Run(resume: false, TrainingSet.Load([Set5], 3, 8));

        Assert.Contains(log, line => line.Contains("the upsampler starts fresh (2 tensors: tail.0.0.weight, tail.0.0.bias)"));
        using var beforeFile = HspanCheckpoint.Read(x2);
        using var afterFile = HspanCheckpoint.Read(Path.Combine(options.OutDir, CheckpointDirectory.Latest, "model.safetensors"));
        var (before, after) = (beforeFile.Tensors, afterFile.Tensors);
        Assert.True(before["head.0.weight"].allclose(after["head.0.weight"], rtol: 0, atol: 1e-12));
        Assert.True(before["tail.1.weight"].allclose(after["tail.1.weight"], rtol: 0, atol: 1e-12));
        Assert.NotEqual(before["tail.0.0.weight"].shape, after["tail.0.0.weight"].shape);
    }

    [Fact]
    public void GrownNetworkComputesWhatItsCheckpointDid()
    {
        using var scope = NewDisposeScope();
        // The official x2_small (2 groups) grown to 4 groups: the new groups start as the identity,
        // so after one step at a vanishing learning rate it still gives the official output.
        var official = Reference.Config("x2_small");
        var options = FromOfficialX2Small("grown", official with { NResGroups = official.NResGroups + 2 }, lr: 1e-30);
        var log = new List<string>();
        new HspanTrainer(options, log.Add).Run(resume: false, set.Value);
        Assert.Contains(log, line => line.Contains($"grown from {official.NResGroups} to {official.NResGroups + 2} residual groups"));

        using var grown = HspanCheckpoint.Load(Path.Combine(options.OutDir, CheckpointDirectory.Latest, "model.safetensors"), official.TopK, official.ResScale);
        Assert.Equal(official.NResGroups + 2, grown.Config.NResGroups);
        using var io = Reference.Tensors("x2_small.io.safetensors");
        grown.eval();
        using var _ = no_grad();
        var (max, mean) = Reference.Difference(grown.call(io["input"]), io["output"]);
        Assert.True(max <= 1e-4 && mean <= 1e-5, $"max abs difference {max}, mean abs difference {mean}");
    }

    [Fact]
    public void CheckpointDeeperThanTheModelIsRefused()
    {
        var official = Reference.Config("x2_small");
        var options = FromOfficialX2Small("shrink", official with { NResGroups = official.NResGroups - 1 });
        var e = Assert.Throws<InvalidDataException>(() => new HspanTrainer(options, _ => { }).Run(resume: false, set.Value));
        Assert.Contains($"has {official.NResGroups} residual groups, more than the model's {official.NResGroups - 1}", e.Message);
    }

    [Fact]
    public void CheckpointOfAnotherWidthIsRefused()
    {
        var official = Reference.Config("x2_small");
        var options = FromOfficialX2Small("wider", official with { NFeats = official.NFeats * 2 });
        var e = Assert.Throws<InvalidDataException>(() => new HspanTrainer(options, _ => { }).Run(resume: false, set.Value));
        Assert.Contains($"head.0.weight has shape [{official.NFeats}, 3, 3, 3], model [{official.NFeats * 2}, 3, 3, 3]", e.Message);
    }
}
