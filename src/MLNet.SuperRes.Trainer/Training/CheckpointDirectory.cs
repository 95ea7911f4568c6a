using System.Globalization;
using System.Text.Json;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>
/// A training run's folder. Each snapshot (latest, best) is a directory holding model.safetensors
/// (our checkpoint: weights + configuration), optimizer.bin, state.json and, written last,
/// manifest.json with the size and SHA-256 of each. A save writes <c>NAME.tmp</c>, then swaps it in
/// through <c>NAME.old</c>. A kill at any step leaves at least one complete snapshot among the three
/// names, and resuming takes the newest complete one.
/// </summary>
public sealed class CheckpointDirectory
{
    public const string Latest = "latest";
    public const string Best = "best";
    private const string ModelFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "state.json";
    private static readonly string[] SnapshotFiles = [ModelFile, OptimizerFile, StateFile];

    private readonly Action<string>? beforeStep;

    public string Root { get; }

    public CheckpointDirectory(string root) : this(root, null) { }

    /// <summary>For fault-injection tests: <paramref name="beforeStep"/> is called with a step's name before each file-system step of a save.</summary>
    internal CheckpointDirectory(string root, Action<string>? beforeStep) => (Root, this.beforeStep) = (root, beforeStep);

    /// <summary>
    /// Finishes saves a kill interrupted (a complete NAME.tmp is swapped in, an incomplete one discarded), so
    /// RUN/latest and RUN/best are where scripts look for them before training goes on.
    /// </summary>
    public void FinishInterruptedSaves()
    {
        if (!Directory.Exists(Root)) return;
        FinishInterruptedSave(Latest);
        FinishInterruptedSave(Best);
    }

    /// <summary>The model file of the newest complete copy of <paramref name="snapshot"/>, or null when there is none.</summary>
    public string? ModelPath(string snapshot) => Newest(snapshot)?.Folder is { } folder ? Path.Combine(folder, ModelFile) : null;

    /// <exception cref="IOException">The snapshot could not be written (a full disk, say); the previous one is kept.</exception>
    public void Save(string snapshot, Hspan model, OptimizerHelper optimizer, TrainingState state)
    {
        try { Write(snapshot, model, optimizer, state); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not save the '{snapshot}' checkpoint in '{Root}': {e.Message} The previous '{snapshot}' snapshot, if any, is kept.", e);
        }
    }

    private void Write(string snapshot, Hspan model, OptimizerHelper optimizer, TrainingState state)
    {
        Directory.CreateDirectory(Root);
        string temp = Folder(snapshot) + ".tmp";
        FinishInterruptedSave(snapshot);

        Step("write");
        Directory.CreateDirectory(temp);
        using var scope = NewDisposeScope();
        HspanCheckpoint.Save(model, Path.Combine(temp, ModelFile), new Dictionary<string, string>
        {
            ["iterations"] = state.Iteration.ToString(CultureInfo.InvariantCulture),
            ["trainer"] = "MLNet.SuperRes.Trainer",
        });
        AtomicFile.Write(Path.Combine(temp, OptimizerFile), stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            optimizer.save_state_dict(writer);
        });
        AtomicFile.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, TrainerJson.Default.TrainingState));
        Step("manifest");
        FileManifest.Write(temp, SnapshotFiles);
        Promote(snapshot);
    }

    /// <summary>The state of the newest complete latest snapshot, or null when the folder holds none.</summary>
    /// <exception cref="InvalidDataException">That snapshot is damaged or records impossible values.</exception>
    public TrainingState? ReadLatestState() => Newest(Latest)?.State;

    /// <summary>Loads the newest complete latest snapshot's weights into the model and its optimizer state into the optimizer.</summary>
    public void LoadLatest(Hspan model, OptimizerHelper optimizer)
    {
        var dir = Newest(Latest)?.Folder ?? throw new FileNotFoundException($"No checkpoint to resume in '{Root}'.");
        using var scope = NewDisposeScope();
        using var file = HspanCheckpoint.Read(Path.Combine(dir, ModelFile));
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

    private string Folder(string snapshot) => Path.Combine(Root, snapshot);

    private void Step(string name) => beforeStep?.Invoke(name);

    /// <summary>A save stopped after its manifest is finished by promoting it; one stopped before, by discarding it.</summary>
    private void FinishInterruptedSave(string snapshot)
    {
        string temp = Folder(snapshot) + ".tmp";
        if (!Directory.Exists(temp)) return;
        if (FileManifest.Exists(temp)) Promote(snapshot);
        else
        {
            Step("discard-incomplete");
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// Moves the complete NAME.tmp to NAME. NAME, when present, is always complete (it only ever comes
    /// from a complete NAME.tmp), so NAME.old can go before NAME takes its place.
    /// </summary>
    private void Promote(string snapshot)
    {
        string final = Folder(snapshot), temp = final + ".tmp", old = final + ".old";
        if (Directory.Exists(final))
        {
            if (Directory.Exists(old)) DeleteSnapshot(old, "delete-old");
            Step("final-to-old");
            Directory.Move(final, old);
        }
        Step("temp-to-final");
        Directory.Move(temp, final);
        if (Directory.Exists(old)) DeleteSnapshot(old, "delete-old-after");
    }

    /// <summary>The manifest and state.json go first, so a folder whose deletion was interrupted no longer counts as complete.</summary>
    private void DeleteSnapshot(string folder, string step)
    {
        Step(step);
        foreach (var marker in new[] { FileManifest.FileName, StateFile })
            if (File.Exists(Path.Combine(folder, marker))) File.Delete(Path.Combine(folder, marker));
        Step(step + "-files");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// The complete copy of <paramref name="snapshot"/> with the highest iteration among NAME, NAME.old
    /// and NAME.tmp. Complete: it has its manifest, whose files are verified once, here. A NAME without one
    /// was not written by this trainer's save, and is refused rather than passed over.
    /// </summary>
    private (string Folder, TrainingState State)? Newest(string snapshot)
    {
        string final = Folder(snapshot);
        (string Folder, TrainingState State)? best = null;
        if (Directory.Exists(final) && !FileManifest.Exists(final))
            throw new InvalidDataException($"Training checkpoint '{final}' has no {FileManifest.FileName}, so its files cannot be verified " +
                "(it was not written by this trainer's save). Delete or move that folder to resume from another snapshot, if one is left.");
        foreach (var folder in new[] { final, final + ".old", final + ".tmp" })
        {
            if (!FileManifest.Exists(folder)) continue;
            TrainingState state;
            try { state = ReadVerifiedState(folder); }
            catch (InvalidDataException) when (folder != final && Directory.Exists(final))
            {
                continue; // a leftover copy (or one another process is moving) does not hide a readable NAME
            }
            if (best is null || state.Iteration > best.Value.State.Iteration) best = (folder, state);
        }
        return best;
    }

    private static TrainingState ReadVerifiedState(string folder)
    {
        var path = Path.Combine(folder, StateFile);
        TrainingState state;
        try
        {
            FileManifest.VerifyAll(folder);
            state = JsonSerializer.Deserialize(File.ReadAllText(path), TrainerJson.Default.TrainingState)
                ?? throw new InvalidDataException("empty state");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Training checkpoint '{folder}' is corrupt or unreadable ({e.Message}). Delete that folder to resume from an older snapshot, if one is left.", e);
        }
        var problem = state.Iteration < 0 ? $"iteration {state.Iteration} is negative"
            : state.Iteration > state.Options.Iterations ? $"iteration {state.Iteration} is past the run's {state.Options.Iterations} iterations"
            : state.BestIteration is long b && (b < 1 || b > state.Iteration) ? $"best_iteration {b} is outside 1..{state.Iteration}"
            : state.BestPsnr is double p && !double.IsFinite(p) ? $"best_psnr {p} is not a finite number"
            : !(state.ElapsedSeconds >= 0) || double.IsInfinity(state.ElapsedSeconds) ? $"elapsed_seconds {state.ElapsedSeconds} is not a duration"
            : null;
        if (problem is not null)
            throw new InvalidDataException($"Training checkpoint '{path}' records impossible values: {problem}.");
        return state;
    }
}
