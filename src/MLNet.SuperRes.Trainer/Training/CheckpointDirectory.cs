using System.Globalization;
using System.Text.Json;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using TorchSharp.Modules;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>
/// A training run's folder. Each snapshot (latest, best) is a directory holding model.safetensors
/// (our checkpoint: weights + configuration), optimizer.bin and state.json, written under a
/// temporary name and renamed into place, so a run killed at any moment leaves the previous
/// snapshot whole.
/// </summary>
public sealed class CheckpointDirectory
{
    public const string Latest = "latest";
    public const string Best = "best";
    private const string ModelFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "state.json";

    public string Root { get; }

    public CheckpointDirectory(string root) => Root = root;

    public string ModelPath(string snapshot) => Path.Combine(Root, snapshot, ModelFile);

    public void Save(string snapshot, Hspan model, OptimizerHelper optimizer, TrainingState state)
    {
        Directory.CreateDirectory(Root);
        string final = Path.Combine(Root, snapshot), temp = final + ".tmp", old = final + ".old";
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);

        HspanCheckpoint.Save(model, Path.Combine(temp, ModelFile), new Dictionary<string, string>
        {
            ["iterations"] = state.Iteration.ToString(CultureInfo.InvariantCulture),
            ["trainer"] = "MLNet.SuperRes.Trainer",
        });
        using (var writer = new BinaryWriter(File.Create(Path.Combine(temp, OptimizerFile))))
            optimizer.save_state_dict(writer);
        File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, TrainerJson.Default.TrainingState));

        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(temp, final);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>The state of the latest snapshot, or null when the folder holds none.</summary>
    public TrainingState? ReadLatestState()
    {
        var dir = SnapshotDir(Latest);
        if (dir is null) return null;
        var path = Path.Combine(dir, StateFile);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), TrainerJson.Default.TrainingState)
                ?? throw new InvalidDataException("empty state");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"Training checkpoint '{path}' is corrupt or unreadable: {e.Message}", e);
        }
    }

    /// <summary>Loads the latest snapshot's weights into the model and its optimizer state into the optimizer.</summary>
    public void LoadLatest(Hspan model, OptimizerHelper optimizer)
    {
        var dir = SnapshotDir(Latest) ?? throw new FileNotFoundException($"No checkpoint to resume in '{Root}'.");
        var file = HspanCheckpoint.Read(Path.Combine(dir, ModelFile));
        var saved = HspanCheckpoint.SavedConfig(file);
        if (saved != model.Config)
            throw new InvalidDataException($"Checkpoint in '{dir}' holds a model with {saved}, but the run describes {model.Config}.");
        HspanCheckpoint.LoadStateDict(model, file.Tensors, file.Path);
        var optimizerPath = Path.Combine(dir, OptimizerFile);
        try
        {
            using var reader = new BinaryReader(File.OpenRead(optimizerPath));
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"Optimizer state '{optimizerPath}' is corrupt or does not fit the model: {e.Message}", e);
        }
    }

    /// <summary>A finished snapshot directory; a run killed between the two renames left it as ".old".</summary>
    private string? SnapshotDir(string snapshot)
    {
        var final = Path.Combine(Root, snapshot);
        if (Directory.Exists(final)) return final;
        var old = final + ".old";
        return Directory.Exists(old) ? old : null;
    }
}
