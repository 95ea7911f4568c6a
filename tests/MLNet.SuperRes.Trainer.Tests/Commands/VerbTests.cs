using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Trainer.Training;

namespace MLNet.SuperRes.Trainer.Tests.Commands;

public sealed class VerbTests
{
    private static (int Code, string Output, string Error) Run(string[] args, Func<string[], int> body)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Verb.Run("verb", "usage: verb --x", args, body, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void HelpPrintsTheUsageAndSucceeds()
    {
        var (code, output, _) = Run(["--scale", "2", "--help"], _ => throw new InvalidOperationException("must not run"));
        Assert.Equal(0, code);
        Assert.Contains("usage: verb --x", output);
    }

    [Fact]
    public void EveryVerbAnswersHelp()
    {
        Assert.Equal(0, TrainCommand.Run(["--help"]));
        Assert.Equal(0, EvalCommand.Run(["--help"], _ => throw new InvalidOperationException("must not run")));
        Assert.Equal(0, ExportCommand.Run(["--help"], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void UsageErrorsExitWith2AndPrintTheUsage()
    {
        var (code, _, error) = Run([], _ => throw new UsageException("--x is required."));
        Assert.Equal(2, code);
        Assert.Equal(["verb: --x is required.", "usage: verb --x"], error.TrimEnd().Split(Environment.NewLine));
    }

    [Theory]
    [InlineData(typeof(IOException))]
    [InlineData(typeof(InvalidDataException))]
    [InlineData(typeof(TrainingDivergedException))]
    public void FailuresAreOneLineAndExit1(Type type)
    {
        var (code, _, error) = Run([], _ => throw (Exception)Activator.CreateInstance(type, "disk 'x' is full")!);
        Assert.Equal(1, code);
        Assert.Equal("verb: disk 'x' is full", error.TrimEnd());
    }

    [Fact]
    public void AParallelFailureIsReportedByItsCause()
    {
        var (code, _, error) = Run([], _ => throw new AggregateException(new InvalidDataException("image 'a.png' is truncated")));
        Assert.Equal(1, code);
        Assert.Equal("verb: image 'a.png' is truncated", error.TrimEnd());
    }

    [Fact]
    public void AnUnexpectedFailureNamesItsTypeAndOffersTheStack()
    {
        var (code, _, error) = Run([], _ => throw new NullReferenceException("boom"));
        Assert.Equal(1, code);
        Assert.Contains("verb: unexpected NullReferenceException: boom", error);
        Assert.Contains("--verbose", error);
        Assert.DoesNotContain(" at ", error);

        (code, _, error) = Run(["--verbose"], args => { Assert.Empty(args); throw new NullReferenceException("boom"); });
        Assert.Equal(1, code);
        Assert.Contains(" at ", error);
    }
}
