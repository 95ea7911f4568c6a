using System.Diagnostics;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Trainer.Inference;
using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>Thrown when the loss stops being a finite number; the last good checkpoint is left as it was.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>The outcome of a (possibly partial) run.</summary>
public sealed record TrainingResult(long Iteration, double LastLoss, double? BestPsnr, long? BestIteration, bool Finished, IReadOnlyList<double> Losses);

/// <summary>
/// The training loop: L1 loss, Adam, step-wise learning-rate decay, a dispose scope per step,
/// validation PSNR (Y, shave = scale) on a folder, atomic latest/best checkpoints, exact resume.
/// </summary>
public sealed class HspanTrainer
{
    private readonly TrainOptions options;
    private readonly Action<string> log;
    private readonly Action<string>? status;

    /// <param name="options">The run.</param>
    /// <param name="log">Where the log lines go (the console by default).</param>
    /// <param name="status">Hears a one-line status after every iteration (iteration, loss, it/s, ETA), for a live console line.</param>
    public HspanTrainer(TrainOptions options, Action<string>? log = null, Action<string>? status = null)
    {
        options.Validate();
        this.options = options;
        this.log = log ?? Console.WriteLine;
        this.status = status;
    }

    /// <summary>Trains from scratch (or from --init), or resumes when <paramref name="resume"/> is set and the folder holds a checkpoint.</summary>
    /// <param name="stop">When set, the run saves a checkpoint at the next iteration and returns unfinished.</param>
    public TrainingResult Run(bool resume, TrainingSet? preloaded = null, CancellationToken stop = default)
    {
        var device = TorchDevice.Resolve(options.Device);
        var checkpoints = new CheckpointDirectory(options.OutDir);
        checkpoints.FinishInterruptedSaves();
        var state = resume ? checkpoints.ReadLatestState() : null;
        if (resume && state is null) throw new FileNotFoundException($"--resume: '{options.OutDir}' holds no checkpoint (expected '{Path.Combine(options.OutDir, CheckpointDirectory.Latest)}').");
        if (state is not null && state.Options.Model != options.Model)
            throw new InvalidDataException($"--resume: the checkpoint was trained with {state.Options.Model}, not {options.Model}.");

        using var model = new Hspan(options.Model);
        model.InitializeWeights(options.Seed);
        if (state is null && options.InitCheckpoint is not null) InitializeFrom(model, options.InitCheckpoint);
        model.to(device);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new Torch.Adam(trainable, options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        if (state is not null)
        {
            checkpoints.LoadLatest(model, optimizer);
            log($"Resumed from '{checkpoints.Root}' at iteration {state.Iteration}.");
        }

        long start = state?.Iteration ?? 0;
        double? bestPsnr = state?.BestPsnr;
        long? bestIteration = state?.BestIteration;
        double elapsedBefore = state?.ElapsedSeconds ?? 0;
        var set = preloaded ?? TrainingSet.Load(options.DataFolders, options.Model.Scale, options.PatchSize, log);
        if (options.ValFolder is not null) CheckValidationImages(options.ValFolder, options.Model.Scale);
        var losses = new List<double>();
        if (start >= options.Iterations) return new TrainingResult(start, double.NaN, bestPsnr, bestIteration, true, losses);

        log($"Training HSPAN {options.Model} on {device.type} for iterations {start + 1}..{options.Iterations}, batch {options.BatchSize}, LR patch {options.PatchSize}.");
        using var prefetch = new BatchPrefetcher(set, start + 1, options.Iterations, options.BatchSize, options.PatchSize, options.Seed, options.LoaderThreads);
        var clock = Stopwatch.StartNew();
        long iteration = start, lastSaved = start;
        bool savedOnce = state is not null;
        double lastLoss = double.NaN, windowLoss = 0;
        int windowCount = 0;
        var windowClock = Stopwatch.StartNew();
        long windowStart = start;
        var history = new TrainingLog(options.OutDir);
        model.train();

        TrainingState Snapshot() => new()
        {
            Iteration = iteration, BestPsnr = bestPsnr, BestIteration = bestIteration,
            ElapsedSeconds = elapsedBefore + clock.Elapsed.TotalSeconds, Options = options,
        };

        while (iteration < options.Iterations)
        {
            if (stop.IsCancellationRequested)
            {
                if (iteration > lastSaved || !savedOnce)
                {
                    checkpoints.Save(CheckpointDirectory.Latest, model, optimizer, Snapshot());
                    TrainingReport.Write(options.OutDir, history.Read());
                }
                log($"Stopped at iteration {iteration}; checkpoint saved, resume with --resume {options.OutDir}.");
                return new TrainingResult(iteration, lastLoss, bestPsnr, bestIteration, false, losses);
            }
            var batch = prefetch.Next();
            iteration = batch.Iteration;
            double learningRate = options.LearningRateAt(iteration);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

            using (var scope = NewDisposeScope())
            {
                var lr = tensor(batch.LowRes, new long[] { batch.BatchSize, 3, batch.PatchSize, batch.PatchSize }).to(device);
                long hp = (long)batch.PatchSize * batch.Scale;
                var hr = tensor(batch.HighRes, new long[] { batch.BatchSize, 3, hp, hp }).to(device);
                optimizer.zero_grad();
                var loss = nn.functional.l1_loss(model.Upscale(lr), hr);
                loss.backward();
                optimizer.step();
                lastLoss = loss.item<float>();
            }
            if (device.type == DeviceType.CUDA)
            {
                // Tensors that autograd's device thread handed back through TorchSharp (custom
                // backward results) are freed only by their finalisers; the managed heap is too small
                // for the GC to notice the GPU memory they pin, so collect them every step.
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            if (!double.IsFinite(lastLoss))
                throw new TrainingDivergedException($"The loss became {lastLoss} at iteration {iteration}; stopping without saving. " + (savedOnce
                    ? $"The last good checkpoint (iteration {lastSaved}) is in '{options.OutDir}'; resume from it with a lower --lr (train --resume DIR --lr LR)."
                    : $"No checkpoint was written yet (the first comes at iteration {Math.Min(options.ValEvery, options.Iterations)}). Try a lower --lr."));
            losses.Add(lastLoss);
            windowLoss += lastLoss; windowCount++;
            double rate = (iteration - windowStart) / Math.Max(1e-9, windowClock.Elapsed.TotalSeconds);
            string progress = $"iter {iteration}/{options.Iterations}  loss {windowLoss / windowCount:F5}  lr {learningRate:G3}  {rate:F2} it/s  ETA {Eta(options.Iterations - iteration, rate)}";
            status?.Invoke(progress);

            if (iteration % options.LogEvery == 0 || iteration == options.Iterations)
            {
                log(progress);
                history.Iteration(iteration, windowLoss / windowCount, learningRate, rate);
                windowLoss = 0; windowCount = 0; windowStart = iteration; windowClock.Restart();
            }

            bool outOfTime = options.MaxMinutes is double minutes && clock.Elapsed.TotalMinutes >= minutes;
            if (iteration % options.ValEvery == 0 || iteration == options.Iterations || outOfTime)
            {
                if (options.ValFolder is not null)
                {
                    double psnr = Validate(model, device);
                    bool improved = bestPsnr is null || psnr > bestPsnr;
                    if (improved) { bestPsnr = psnr; bestIteration = iteration; }
                    log($"validation at {iteration}: PSNR(Y) {psnr:F3} dB on {Path.GetFileName(options.ValFolder.TrimEnd('/'))}; best {bestPsnr:F3} at {bestIteration}");
                    history.Validation(iteration, psnr);
                    if (improved) checkpoints.Save(CheckpointDirectory.Best, model, optimizer, Snapshot());
                }
                checkpoints.Save(CheckpointDirectory.Latest, model, optimizer, Snapshot());
                TrainingReport.Write(options.OutDir, history.Read());
                lastSaved = iteration;
                savedOnce = true;
                if (outOfTime)
                {
                    log($"--max-minutes reached at iteration {iteration}; checkpoint saved, resume with --resume {options.OutDir}.");
                    return new TrainingResult(iteration, lastLoss, bestPsnr, bestIteration, false, losses);
                }
            }
        }
        return new TrainingResult(iteration, lastLoss, bestPsnr, bestIteration, true, losses);
    }

    private static string Eta(long iterationsLeft, double rate)
    {
        var eta = TimeSpan.FromSeconds(Math.Min(iterationsLeft / Math.Max(rate, 1e-9), TimeSpan.MaxValue.TotalSeconds / 2));
        return $"{(int)eta.TotalHours:D2}:{eta.Minutes:D2}:{eta.Seconds:D2}";
    }

    /// <summary>Every validation image is read once before the first iteration, so a bad one fails now, not hours later.</summary>
    private static void CheckValidationImages(string folder, int scale)
    {
        int smallest = 3 * scale; // mod-cropped, with `scale` pixels shaved from each border before scoring
        foreach (var file in Evaluator.ImageFiles(folder))
        {
            var image = RgbImage.Load(file);
            if (image.Width < smallest || image.Height < smallest)
                throw new InvalidDataException($"Validation image '{file}' is {image.Width}x{image.Height}; at x{scale} it must be at least {smallest}x{smallest} (the border of {scale} pixels is shaved before scoring).");
        }
    }

    private double Validate(Hspan model, Device device)
    {
        var upscaler = new CheckpointUpscaler(model, device, TilePlan.Exactly(options.ValTile, options.ValOverlap));
        return new Evaluator(upscaler).EvaluateFolder(options.ValFolder!, "validation", selfEnsemble: false).Mean.Psnr;
    }

    /// <summary>
    /// Fine-tuning start: every tensor that fits is copied; the upsampler may differ (e.g. x4 from
    /// x2), and the model may have more residual groups than the checkpoint (same width): then the
    /// checkpoint's groups come first, its closing body conv moves behind the new groups, and each
    /// new group starts as the identity (its last conv zeroed, so body * res_scale + input = input),
    /// so the grown network computes exactly what the checkpoint did and training goes on from there.
    /// </summary>
    private void InitializeFrom(Hspan model, string path)
    {
        using var scope = NewDisposeScope();
        using var file = HspanCheckpoint.Read(path);
        int fileGroups = HspanCheckpoint.InferConfig(file.Tensors, file.Path).NResGroups;
        int modelGroups = model.Config.NResGroups;
        if (fileGroups > modelGroups)
            throw new InvalidDataException($"--init '{path}' has {fileGroups} residual groups, more than the model's {modelGroups}; a network can grow from a checkpoint, not shrink.");
        // Without growth the closing conv keeps its name and there are no new groups.
        string closingConv = $"body.{fileGroups}.", movedClosingConv = $"body.{modelGroups}.";
        var tensors = file.Tensors.ToDictionary(
            kv => kv.Key.StartsWith(closingConv, StringComparison.Ordinal) ? movedClosingConv + kv.Key[closingConv.Length..] : kv.Key,
            kv => kv.Value);
        var newGroups = Enumerable.Range(fileGroups, modelGroups - fileGroups).Select(g => $"body.{g}.").ToList();
        bool IsNewGroup(string key) => newGroups.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal));
        string lastConvOfGroup = $".body.{model.Config.NResBlocks + 1}.";

        var own = model.state_dict();
        var skipped = new List<string>();
        var problems = new List<string>();
        using (no_grad())
        {
            foreach (var (key, target) in own)
            {
                if (IsNewGroup(key))
                {
                    if (key.Contains(lastConvOfGroup, StringComparison.Ordinal)) target.zero_();
                }
                else if (!tensors.TryGetValue(key, out var source))
                {
                    if (key.StartsWith("tail.0.", StringComparison.Ordinal) || key == "a") skipped.Add(key);
                    else problems.Add($"missing {key}");
                }
                else if (!source.shape.SequenceEqual(target.shape))
                {
                    if (key.StartsWith("tail.0.", StringComparison.Ordinal)) skipped.Add(key);
                    else problems.Add($"{key} has shape [{string.Join(", ", source.shape)}], model [{string.Join(", ", target.shape)}]");
                }
                else target.copy_(source.to(target.dtype));
            }
        }
        var unexpected = tensors.Keys.Where(k => !own.ContainsKey(k) && !k.StartsWith("tail.0.", StringComparison.Ordinal)).ToList();
        problems.AddRange(unexpected.Select(k => $"unexpected {k}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"--init '{path}' does not fit an HSPAN with {model.Config} (only the upsampler and the number of residual groups may differ): {string.Join("; ", problems)}.");
        log($"Initialised from '{path}'"
            + (newGroups.Count > 0 ? $"; grown from {fileGroups} to {modelGroups} residual groups (groups {fileGroups}..{modelGroups - 1} are new and start as the identity)" : "")
            + (skipped.Count > 0 ? $"; the upsampler starts fresh ({skipped.Count} tensors: {string.Join(", ", skipped)})." : "."));
    }
}
