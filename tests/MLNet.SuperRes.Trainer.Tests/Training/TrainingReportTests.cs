using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Training;

namespace MLNet.SuperRes.Trainer.Tests.Training;

/// <summary>log.jsonl and report.png in the run folder.</summary>
public sealed class TrainingReportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-report-").FullName;
    private static readonly Lazy<TrainingSet> set = new(() => TrainingSet.Load([Set5], 2, 8));

    private static string Set5 => Path.Combine(SharedData.Data, "Set5");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private TrainOptions Run(long iterations) => new()
    {
        DataFolders = [Set5],
        ValFolder = Set5,
        ValTile = 16,
        OutDir = dir,
        Model = new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 8, Scale = 2 },
        PatchSize = 8, BatchSize = 2, Iterations = iterations, LearningRate = 1e-3, DecaySteps = [],
        LogEvery = 2, ValEvery = 3, LoaderThreads = 1, Seed = 5,
    };

    [Fact]
    public void ARunLogsItsHistoryAndDrawsItsReport_AndAResumeGoesOn()
    {
        var statuses = new List<string>();
        new HspanTrainer(Run(6), _ => { }, statuses.Add).Run(resume: false, set.Value);
        Assert.Equal(6, statuses.Count); // one live status per iteration
        Assert.All(statuses, s => Assert.Matches(@"^iter \d/6  loss [0-9.]+  lr .* it/s  ETA \d\d:\d\d:\d\d$", s));

        var log = new TrainingLog(dir);
        var entries = log.Read();
        Assert.Equal([2L, 4, 6], entries.Where(e => e.Loss is not null).Select(e => e.Iteration));
        Assert.All(entries.Where(e => e.Loss is not null), e => Assert.True(e.LearningRate == 1e-3 && e.IterationsPerSecond > 0));
        Assert.Equal([3L, 6], entries.Where(e => e.ValidationPsnr is not null).Select(e => e.Iteration));
        Assert.All(entries.Where(e => e.ValidationPsnr is not null), e => Assert.InRange(e.ValidationPsnr!.Value, 5, 60));
        AssertReport();

        // A line cut short by a kill is skipped; a resume appends.
        File.AppendAllText(log.Path, "{\"iteration\": 7, \"lo");
        new HspanTrainer(Run(9), _ => { }).Run(resume: true, set.Value);
        entries = log.Read();
        Assert.Equal([3L, 6, 9], entries.Where(e => e.ValidationPsnr is not null).Select(e => e.Iteration));
        Assert.Equal([2L, 4, 6, 8, 9], entries.Where(e => e.Loss is not null).Select(e => e.Iteration));
        AssertReport();
    }

    [Fact]
    public void AStopRequestSavesACheckpointAndTheRunResumesFromIt()
    {
        using var stop = new CancellationTokenSource();
        int seen = 0;
        var stopped = new HspanTrainer(Run(100) with { ValEvery = 1000 }, _ => { }, _ => { if (++seen == 4) stop.Cancel(); })
            .Run(resume: false, set.Value, stop.Token);
        Assert.False(stopped.Finished);
        Assert.Equal(4, stopped.Iteration);
        Assert.Equal(4, new CheckpointDirectory(dir).ReadLatestState()!.Iteration);
        var resumed = new HspanTrainer(Run(6) with { ValEvery = 1000 }, _ => { }).Run(resume: true, set.Value);
        Assert.True(resumed.Finished);
        Assert.Equal(2, resumed.Losses.Count);
    }

    [Fact]
    public void AReportIsDrawnFromNothingOrOnePoint()
    {
        TrainingReport.Write(dir, []);
        AssertReport();
        TrainingReport.Write(dir, [new TrainingLogEntry(1, 0.1, 1e-4, 2, null), new TrainingLogEntry(1, null, null, null, 30.5)]);
        AssertReport();
    }

    private void AssertReport()
    {
        string path = Path.Combine(dir, TrainingReport.FileName);
        using var image = ImageFiles.Load(path);
        Assert.Equal((900, 600), (image.Width, image.Height));
        var pixels = image.Pixels;
        int coloured = 0;
        for (int i = 0; i < pixels.Length; i += 4)
            if (pixels[i] != pixels[i + 1] || pixels[i + 1] != pixels[i + 2]) coloured++;
        Assert.True(coloured > 0 || new TrainingLog(dir).Read().Count == 0, "the report shows no curve");
    }
}
