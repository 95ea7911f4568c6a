using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Training;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// train --data FOLDER[,FOLDER...] --scale S --out DIR [--val FOLDER] [model and schedule options]
/// train --resume DIR [--iterations N] [--max-minutes M] [--device D] [--data ...] [--val ...]
/// </summary>
public static class TrainCommand
{
    public const string Usage = """
        usage: train --data FOLDER[,FOLDER...] --scale S --out DIR [--val FOLDER]
                     [--n-resgroups 10] [--n-resblocks 4] [--n-feats 192] [--reduction 2] [--topk 128] [--res-scale 0.1]
                     [--patch-size 48] [--batch-size 16] [--iterations 300000] [--lr 1e-4] [--decay-steps 200000[,...]] [--decay-gamma 0.5]
                     [--init CHECKPOINT] [--seed 1] [--log-every 100] [--val-every 2000] [--val-tile 64]
                     [--device cpu|cuda] [--libtorch FOLDER] [--max-minutes M] [--loader-threads N]
               train --resume DIR [--iterations N] [--lr LR] [--decay-steps ...] [--max-minutes M] [--device cpu|cuda] [--libtorch FOLDER] [--data ...] [--val ...]
          --data FOLDERS     training images (png, bmp, jpg, jpeg, webp); every one is read before the first iteration
          --val FOLDER       validation images, scored (PSNR-Y) every --val-every iterations; the best snapshot is kept in DIR/best
          --out DIR          run folder: DIR/latest and DIR/best hold weights, optimizer state, state.json and a SHA-256 manifest
          --init CHECKPOINT  start from a checkpoint (.pt, .safetensors, our .onnx); the upsampler and the number of groups may differ
          --resume DIR       continue a run exactly where its newest complete snapshot stopped
          --val-tile N       validation tile side in LR pixels (at least 9, as neighbours share 4)
          --verbose          print the stack trace of a failure
        """;

    public static int Run(string[] args) => Verb.Run("train", Usage, args, arguments =>
    {
        var (options, resume) = Parse(arguments);
        var console = new LiveLine();
        // Ctrl+C ends the run at the next iteration with a checkpoint; a second one exits at once.
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = !stop.IsCancellationRequested;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        TrainingResult result;
        try
        {
            result = new HspanTrainer(options, console.Log, console.Status).Run(resume, stop: stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            console.Finish();
        }
        Console.WriteLine(result.Finished
            ? $"Finished at iteration {result.Iteration}" + (result.BestPsnr is double best ? $"; best validation PSNR {best:F3} dB at {result.BestIteration}" : "") + $". Checkpoints in '{options.OutDir}'."
            : $"Stopped at iteration {result.Iteration} of {options.Iterations}; resume with: train --resume {options.OutDir}");
        return Verb.Success;
    });

    /// <summary>The run's options, and whether it resumes; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static (TrainOptions Options, bool Resume) Parse(string[] args)
    {
        var cl = new CommandLine(args);
        if (cl.String("libtorch") is string libtorch) TorchDevice.UseLibTorchFrom(libtorch);
        var resumeDir = cl.String("resume");
        TrainOptions options;
        if (resumeDir is not null)
        {
            var state = new CheckpointDirectory(resumeDir).ReadLatestState()
                ?? throw new UsageException($"--resume '{resumeDir}' holds no checkpoint.");
            options = ApplyRunOptions(cl, state.Options with { OutDir = resumeDir });
            if (cl.Has("scale") || cl.Has("n-feats") || cl.Has("n-resgroups") || cl.Has("n-resblocks") || cl.Has("topk") || cl.Has("reduction") || cl.Has("res-scale"))
                throw new UsageException("--resume continues the saved model; its size options cannot change.");
        }
        else
        {
            var defaults = new TrainOptions();
            var model = new HspanConfig
            {
                Scale = cl.Int("scale", min: 2) ?? throw new UsageException("--scale is required."),
                NResGroups = cl.Int("n-resgroups", min: 1) ?? defaults.Model.NResGroups,
                NResBlocks = cl.Int("n-resblocks", min: 1) ?? defaults.Model.NResBlocks,
                NFeats = cl.Int("n-feats", min: 1) ?? defaults.Model.NFeats,
                Reduction = cl.Int("reduction", min: 1) ?? defaults.Model.Reduction,
                TopK = cl.Int("topk", min: 1) ?? defaults.Model.TopK,
                ResScale = cl.Double("res-scale") ?? defaults.Model.ResScale,
            };
            options = ApplyRunOptions(cl, defaults with
            {
                Model = model,
                OutDir = cl.Required("out"),
                PatchSize = cl.Int("patch-size", min: 4) ?? defaults.PatchSize,
                BatchSize = cl.Int("batch-size", min: 1) ?? defaults.BatchSize,
                DecayGamma = cl.Double("decay-gamma") ?? defaults.DecayGamma,
                Seed = cl.Int("seed") ?? defaults.Seed,
                InitCheckpoint = cl.String("init"),
            });
            if (options.DataFolders.Length == 0) throw new UsageException("--data is required.");
            if (File.Exists(options.OutDir))
                throw new UsageException($"--out '{options.OutDir}' is a file; give a folder for the run.");
            if (new CheckpointDirectory(options.OutDir).ReadLatestState() is { } existing)
                throw new UsageException($"--out '{options.OutDir}' already holds a run (at iteration {existing.Iteration}); continue it with --resume {options.OutDir}, or give another --out.");
        }
        cl.RejectUnknown();
        try { options.Validate(); }
        catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException) { throw new UsageException(e.Message); }
        // The run folder is made now, so a place that cannot take it fails before the data is loaded.
        try { Directory.CreateDirectory(options.OutDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out '{options.OutDir}' cannot be created: {e.Message}"); }
        return (options, resumeDir is not null);
    }

    /// <summary>Options that may change between a run and its resumption.</summary>
    private static TrainOptions ApplyRunOptions(CommandLine cl, TrainOptions o) => o with
    {
        DataFolders = cl.String("data")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? o.DataFolders,
        ValFolder = cl.String("val") ?? o.ValFolder,
        Iterations = cl.Long("iterations", min: 1) ?? o.Iterations,
        LearningRate = cl.Double("lr") ?? o.LearningRate,
        DecaySteps = cl.LongList("decay-steps") ?? o.DecaySteps,
        LogEvery = cl.Int("log-every", min: 1) ?? o.LogEvery,
        ValEvery = cl.Int("val-every", min: 1) ?? o.ValEvery,
        ValTile = cl.Int("val-tile", min: TrainOptions.MinValTile) ?? o.ValTile,
        Device = cl.String("device") ?? o.Device,
        MaxMinutes = cl.Double("max-minutes") ?? o.MaxMinutes,
        LoaderThreads = cl.Int("loader-threads", min: 1) ?? o.LoaderThreads,
    };
}
