using MLNet.SuperRes.Trainer.Commands;

namespace MLNet.SuperRes.Trainer.Tests.Commands;

public sealed class CommandLineTests
{
    [Fact]
    public void ReadsValuesFlagsAndLists()
    {
        var cl = new CommandLine(["--scale", "3", "--lr", "2e-4", "--decay-steps", "10,20", "--verify", "--res-scale", "-0.5"], "verify");
        Assert.Equal(3, cl.Int("scale", min: 2));
        Assert.Equal(2e-4, cl.Double("lr"));
        Assert.Equal([10L, 20L], cl.LongList("decay-steps"));
        Assert.True(cl.Has("verify"));
        Assert.Equal(-0.5, cl.Double("res-scale"));
        Assert.Null(cl.Int("absent"));
        cl.RejectUnknown();
    }

    [Theory]
    [InlineData(new[] { "scale", "2" }, "unexpected argument 'scale'")]
    [InlineData(new[] { "--scale", "2", "--scale", "3" }, "option --scale is given twice")]
    [InlineData(new[] { "--scale=2" }, "write '--scale 2', not '--scale=2'")]
    [InlineData(new[] { "--verify=true" }, "--verify takes no value")]
    public void MalformedCommandLinesAreRefused(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() => new CommandLine(args, "verify"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AnEmptyValueIsRefused_RequiredOrNot()
    {
        Assert.Contains("--out is empty", Assert.Throws<UsageException>(() => new CommandLine(["--out", ""]).Required("out")).Message);
        Assert.Contains("--json is empty", Assert.Throws<UsageException>(() => new CommandLine(["--json", ""]).String("json")).Message);
    }

    [Fact]
    public void AMissingValueIsReportedForAKnownOption_AndAnUnknownOneAsUnknown()
    {
        var cl = new CommandLine(["--scale", "--lr", "1", "--fast"]);
        Assert.Contains("option --scale needs a value", Assert.Throws<UsageException>(() => cl.Int("scale")).Message);
        Assert.Equal(1.0, cl.Double("lr"));
        Assert.Contains("unknown option '--fast'", Assert.Throws<UsageException>(cl.RejectUnknown).Message);
    }

    [Fact]
    public void BadValuesAndUnknownOptionsNameTheOption()
    {
        var cl = new CommandLine(["--scale", "1", "--lr", "fast", "--decay-steps", "10,x", "--tile", "nan", "--fats", "64", "--fast", "1"]);
        Assert.Contains("--scale must be a whole number of at least 2, got '1'", Assert.Throws<UsageException>(() => cl.Int("scale", min: 2)).Message);
        Assert.Contains("--lr must be a finite number, got 'fast'", Assert.Throws<UsageException>(() => cl.Double("lr")).Message);
        Assert.Contains("--decay-steps must be a comma-separated list", Assert.Throws<UsageException>(() => cl.LongList("decay-steps")).Message);
        Assert.Contains("--tile must be a whole number", Assert.Throws<UsageException>(() => cl.Int("tile")).Message);
        Assert.Contains("unknown options '--fats', '--fast'", Assert.Throws<UsageException>(cl.RejectUnknown).Message);
    }
}
