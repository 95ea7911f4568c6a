using MLNet.SuperRes.Trainer.Commands;

namespace MLNet.SuperRes.Trainer.Tests.Commands;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-traincmd-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string[] Args(params string[] extra) =>
        ["--data", Path.Combine(SharedData.Data, "Set5"), "--scale", "2", "--out", Path.Combine(dir, "run"), .. extra];

    [Theory]
    [InlineData("--log-every", "0", "--log-every must be a whole number of at least 1")]
    [InlineData("--val-every", "0", "--val-every must be a whole number of at least 1")]
    [InlineData("--val-tile", "4", "--val-tile must be a whole number of at least 9")]
    [InlineData("--val-tile", "8", "--val-tile must be a whole number of at least 9")]
    [InlineData("--iterations", "0", "--iterations must be a whole number of at least 1")]
    [InlineData("--loader-threads", "0", "--loader-threads must be a whole number of at least 1")]
    [InlineData("--max-minutes", "-1", "--max-minutes -1 must be positive")]
    [InlineData("--decay-gamma", "3", "--decay-gamma 3 must be in (0, 1]")]
    [InlineData("--device", "tpu", "Unknown --device 'tpu'")]
    [InlineData("--val", "/no/such/folder", "Validation folder '/no/such/folder' does not exist")]
    [InlineData("--decay-steps", "5,2", "--decay-steps 5,2: the steps must increase")]
    [InlineData("--res-scale", "-5", "res_scale")]
    public void OutOfRangeOptionsAreUsageErrorsBeforeAnyWork(string option, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => TrainCommand.Parse(Args(option, value)));
        Assert.Contains(message, e.Message);
        Assert.Equal(2, TrainCommand.Run(Args(option, value)));
    }

    [Fact]
    public void AnOutFolderHoldingARunOrAFileIsRefused()
    {
        string file = Path.Combine(dir, "run");
        File.WriteAllText(file, "x");
        Assert.Contains("is a file", Assert.Throws<UsageException>(() => TrainCommand.Parse(Args())).Message);
        File.Delete(file);

        var options = TrainCommand.Parse(Args("--iterations", "2", "--n-resgroups", "1", "--n-resblocks", "1", "--n-feats", "8", "--topk", "8", "--patch-size", "8", "--batch-size", "2", "--val-every", "2")).Options;
        new MLNet.SuperRes.Trainer.Training.HspanTrainer(options, _ => { }).Run(resume: false);
        var e = Assert.Throws<UsageException>(() => TrainCommand.Parse(Args()));
        Assert.Contains("already holds a run (at iteration 2); continue it with --resume", e.Message);
    }

    [Fact]
    public void AnOutThatCannotBeCreatedIsAUsageErrorBeforeAnyWork()
    {
        string[] args = ["--data", Path.Combine(SharedData.Data, "Set5"), "--scale", "2", "--out", "/proc/hspan-run"];
        Assert.Contains("--out '/proc/hspan-run' cannot be created", Assert.Throws<UsageException>(() => TrainCommand.Parse(args)).Message);
    }
}
