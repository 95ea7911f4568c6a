using System.Text.Json.Serialization;
using MLNet.SuperRes.Trainer.Archs;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>Everything a training run needs. Defaults follow the paper (L1, Adam 0.9/0.999, lr 1e-4 halved at set steps, batch 16, LR patch 48).</summary>
public sealed record TrainOptions
{
    [JsonPropertyName("data")] public string[] DataFolders { get; init; } = [];
    [JsonPropertyName("val")] public string? ValFolder { get; init; }
    [JsonPropertyName("out")] public string OutDir { get; init; } = "";
    [JsonPropertyName("model")] public HspanConfig Model { get; init; } = new();
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 48;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 16;
    [JsonPropertyName("iterations")] public long Iterations { get; init; } = 300_000;
    [JsonPropertyName("lr")] public double LearningRate { get; init; } = 1e-4;
    [JsonPropertyName("decay_steps")] public long[] DecaySteps { get; init; } = [200_000];
    [JsonPropertyName("decay_gamma")] public double DecayGamma { get; init; } = 0.5;
    [JsonPropertyName("seed")] public int Seed { get; init; } = 1;
    [JsonPropertyName("log_every")] public int LogEvery { get; init; } = 100;
    [JsonPropertyName("val_every")] public int ValEvery { get; init; } = 2000;
    [JsonPropertyName("val_tile")] public int ValTile { get; init; } = 64;
    [JsonPropertyName("init")] public string? InitCheckpoint { get; init; }
    [JsonPropertyName("device")] public string Device { get; init; } = "cpu";
    [JsonPropertyName("max_minutes")] public double? MaxMinutes { get; init; }
    [JsonPropertyName("loader_threads")] public int LoaderThreads { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Learning rate at a (1-based) iteration: the base rate times gamma for each decay step passed.</summary>
    public double LearningRateAt(long iteration) =>
        LearningRate * Math.Pow(DecayGamma, DecaySteps.Count(step => iteration > step));

    public void Validate()
    {
        Model.Validate();
        if (DataFolders.Length == 0) throw new ArgumentException("No training data: give --data FOLDER[,FOLDER...].");
        foreach (var folder in DataFolders)
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Training data folder '{folder}' does not exist.");
        if (ValFolder is not null && !Directory.Exists(ValFolder)) throw new DirectoryNotFoundException($"Validation folder '{ValFolder}' does not exist.");
        if (string.IsNullOrWhiteSpace(OutDir)) throw new ArgumentException("No output folder: give --out DIR.");
        if (PatchSize < 4) throw new ArgumentException($"--patch-size {PatchSize} is too small (at least 4).");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size {BatchSize} must be at least 1.");
        if (Iterations < 1) throw new ArgumentException($"--iterations {Iterations} must be at least 1.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"--lr {LearningRate} must be a positive number.");
        if (!(DecayGamma > 0 && DecayGamma <= 1)) throw new ArgumentException($"--decay-gamma {DecayGamma} must be in (0, 1].");
        if (DecaySteps.Any(step => step < 1)) throw new ArgumentException($"--decay-steps {string.Join(",", DecaySteps)}: every step must be at least 1.");
        if (DecaySteps.Zip(DecaySteps.Skip(1)).Any(p => p.Second <= p.First)) throw new ArgumentException($"--decay-steps {string.Join(",", DecaySteps)}: the steps must increase.");
        if (LogEvery < 1) throw new ArgumentException($"--log-every {LogEvery} must be at least 1.");
        if (ValEvery < 1) throw new ArgumentException($"--val-every {ValEvery} must be at least 1.");
        if (ValTile < MinValTile) throw new ArgumentException($"--val-tile {ValTile} must be at least {MinValTile}.");
        if (LoaderThreads < 1) throw new ArgumentException($"--loader-threads {LoaderThreads} must be at least 1.");
        if (MaxMinutes is double minutes && !(minutes > 0)) throw new ArgumentException($"--max-minutes {minutes} must be positive.");
        if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"Unknown --device '{Device}': expected cpu or cuda.");
    }

    /// <summary>The smallest validation tile: the trainer's tiler shares max(4, tile / 8) pixels, which must be less than half a tile.</summary>
    public const int MinValTile = 9;

    /// <summary>Tile overlap used for validation.</summary>
    public int ValOverlap => Math.Max(4, ValTile / 8);
}

/// <summary>What a checkpoint directory records besides weights and optimizer state.</summary>
public sealed record TrainingState
{
    [JsonPropertyName("iteration")] public long Iteration { get; init; }
    [JsonPropertyName("best_psnr")] public double? BestPsnr { get; init; }
    [JsonPropertyName("best_iteration")] public long? BestIteration { get; init; }
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; init; }
    [JsonPropertyName("options")] public TrainOptions Options { get; init; } = new();
}
