using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Torch;
using MLNet.SuperRes.Trainer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Training;

public class CheckpointDirectoryTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-ckpt-").FullName;
    private readonly Hspan model = new(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 8, Scale = 2 });
    private readonly OptimizerHelper optimizer;

    public CheckpointDirectoryTests() => optimizer = new MLNet.SuperRes.Trainer.Torch.Adam(model.parameters(), 1e-3, 0.9, 0.999, 1e-8);

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private sealed class Killed(string step) : Exception($"killed before {step}");

    private static TrainingState At(long iteration) => new() { Iteration = iteration, Options = new TrainOptions { Iterations = 100 } };

    /// <summary>
    /// Saves with a simulated kill before the step numbered <paramref name="killAt"/> (none when it is
    /// past the last); true when the new snapshot's manifest was written, i.e. the snapshot is complete.
    /// </summary>
    private bool SaveKilledAt(string root, long iteration, int killAt)
    {
        int step = 0;
        bool manifestWritten = false;
        string? last = null;
        var checkpoints = new CheckpointDirectory(root, name =>
        {
            if (last == "manifest") manifestWritten = true;
            last = name;
            if (step++ == killAt) throw new Killed(name);
        });
        try
        {
            checkpoints.Save(CheckpointDirectory.Latest, model, optimizer, At(iteration));
            return true;
        }
        catch (Killed) { return manifestWritten; }
    }

    private static List<string> StepsOfSave(string root, Hspan model, OptimizerHelper optimizer, long iteration)
    {
        var steps = new List<string>();
        new CheckpointDirectory(root, steps.Add).Save(CheckpointDirectory.Latest, model, optimizer, At(iteration));
        return steps;
    }

    private void AssertResumable(string root, params long[] allowed)
    {
        var checkpoints = new CheckpointDirectory(root);
        var state = checkpoints.ReadLatestState();
        Assert.NotNull(state);
        Assert.Contains(state.Iteration, allowed);
        checkpoints.LoadLatest(model, optimizer);
    }

    [Fact]
    public void AnyTwoKillsDuringConsecutiveSavesLeaveAResumableFolder()
    {
        // The save's steps, as a clean save over an existing snapshot takes them.
        var reference = Path.Combine(dir, "reference");
        StepsOfSave(reference, model, optimizer, 3);
        int steps = StepsOfSave(reference, model, optimizer, 6).Count;
        Assert.True(steps >= 6, $"only {steps} steps");

        for (int first = 0; first <= steps; first++)
        for (int second = 0; second <= steps + 2; second++)
        {
            var root = Path.Combine(dir, $"k{first}-{second}");
            new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(3));
            long expected = SaveKilledAt(root, 6, first) ? 6 : 3;
            AssertResumable(root, expected);
            expected = SaveKilledAt(root, 9, second) ? 9 : expected;
            AssertResumable(root, expected);

            new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(12));
            AssertResumable(root, 12);
            Assert.Equal([CheckpointDirectory.Latest], Directory.GetDirectories(root).Select(Path.GetFileName));
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TheIssueCaseResumesFromTheCompleteTemporarySnapshot()
    {
        // Killed between moving latest to latest.old and latest.tmp to latest, then again while the
        // next save deletes latest.old: latest.tmp (iteration 6) is the newest complete snapshot.
        StepsOfSave(Path.Combine(dir, "steps"), model, optimizer, 3);
        var steps = StepsOfSave(Path.Combine(dir, "steps"), model, optimizer, 6);
        for (int kill = 0; kill < 3; kill++)
        {
            var root = Path.Combine(dir, $"issue{kill}");
            new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(3));
            SaveKilledAt(root, 6, steps.IndexOf("temp-to-final"));
            Assert.True(Directory.Exists(Path.Combine(root, "latest.old")) && Directory.Exists(Path.Combine(root, "latest.tmp")));
            Assert.Equal(6, new CheckpointDirectory(root).ReadLatestState()!.Iteration);

            Assert.False(SaveKilledAt(root, 9, kill));
            AssertResumable(root, 6);
        }
    }

    [Fact]
    public void AFullDiskKeepsThePreviousSnapshotAndSaysSo()
    {
        var root = Path.Combine(dir, "full");
        new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(3));
        var full = new CheckpointDirectory(root, step => { if (step == "manifest") throw new IOException("No space left on device"); });

        var e = Assert.Throws<IOException>(() => full.Save(CheckpointDirectory.Latest, model, optimizer, At(6)));
        Assert.Contains("Could not save the 'latest' checkpoint", e.Message);
        Assert.Contains("No space left on device", e.Message);
        AssertResumable(root, 3);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.bin")]
    [InlineData("state.json")]
    public void AFlippedByteIsFoundByItsHash(string file)
    {
        var root = Path.Combine(dir, "flip");
        new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(3));
        var path = Path.Combine(root, CheckpointDirectory.Latest, file);
        var bytes = File.ReadAllBytes(path);
        bytes[^2] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => new CheckpointDirectory(root).ReadLatestState());
        Assert.Contains(file, e.Message);
        Assert.Contains("damaged", e.Message);
    }

    [Theory]
    [InlineData(999999, "past the run's 100 iterations")]
    [InlineData(-7, "iteration -7 is negative")]
    public void ImpossibleStateValuesAreRefused(long iteration, string message)
    {
        // Edited with the manifest redone (the hashes agree), so only the values themselves can tell.
        var root = Path.Combine(dir, "state");
        new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(3));
        var snapshot = Path.Combine(root, CheckpointDirectory.Latest);
        var state = Path.Combine(snapshot, "state.json");
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"iteration\": 3", $"\"iteration\": {iteration}"));
        FileManifest.Write(snapshot, Directory.GetFiles(snapshot).Select(Path.GetFileName).Where(f => f != FileManifest.FileName)!);

        var e = Assert.Throws<InvalidDataException>(() => new CheckpointDirectory(root).ReadLatestState());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ASnapshotWithoutItsManifestIsRefusedNotPassedOver()
    {
        var root = Path.Combine(dir, "unverifiable");
        new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(3));
        new CheckpointDirectory(root).Save(CheckpointDirectory.Latest, model, optimizer, At(6)); // latest.old holds 3
        var snapshot = Path.Combine(root, CheckpointDirectory.Latest);
        File.Delete(Path.Combine(snapshot, "manifest.json"));

        var e = Assert.Throws<InvalidDataException>(() => new CheckpointDirectory(root).ReadLatestState());
        Assert.Contains($"'{snapshot}' has no manifest.json", e.Message);
    }

    [Fact]
    public void AnInterruptedSaveIsFinishedBeforeTrainingGoesOn()
    {
        var root = Path.Combine(dir, "finish");
        new CheckpointDirectory(root).Save(CheckpointDirectory.Best, model, optimizer, At(3));
        try
        {
            new CheckpointDirectory(root, name => { if (name == "temp-to-final") throw new Killed(name); })
                .Save(CheckpointDirectory.Best, model, optimizer, At(6));
        }
        catch (Killed) { }
        Assert.False(Directory.Exists(Path.Combine(root, CheckpointDirectory.Best)));

        new CheckpointDirectory(root).FinishInterruptedSaves();
        Assert.Equal([CheckpointDirectory.Best], Directory.GetDirectories(root).Select(Path.GetFileName));
        Assert.Equal(6, System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, CheckpointDirectory.Best, "state.json"))).RootElement.GetProperty("iteration").GetInt64());
    }

    [Fact]
    public void SomeoneElsesManifestBesideACheckpointIsIgnored()
    {
        var file = Path.Combine(dir, "foreign", "weights.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        MLNet.SuperRes.Trainer.Checkpoints.HspanCheckpoint.Save(model, file);
        File.WriteAllText(Path.Combine(dir, "foreign", "manifest.json"), """{"name": "my-dataset", "files": ["weights.safetensors"]}""");
        using var loaded = MLNet.SuperRes.Trainer.Checkpoints.HspanCheckpoint.Load(file);
        Assert.Equal(model.Config, loaded.Config with { TopK = 8 });
    }
}
