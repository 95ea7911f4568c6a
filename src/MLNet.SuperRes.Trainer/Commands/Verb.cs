using MLNet.SuperRes.Trainer.Training;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// The contract every verb shares: arguments in, exit code out. <c>--help</c> prints the usage (exit 0);
/// a <see cref="UsageException"/> prints "verb: message" and the usage (exit 2); any other failure prints
/// "verb: message" on one line (exit 1), with the stack trace only under <c>--verbose</c>.
/// </summary>
public static class Verb
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static int Run(string name, string usage, string[] args, Func<string[], int> body, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        if (args.Contains("--help") || args.Contains("-h"))
        {
            output.WriteLine(usage);
            return Success;
        }
        bool verbose = args.Contains("--verbose");
        try
        {
            return body(args.Where(a => a != "--verbose").ToArray());
        }
        catch (UsageException e)
        {
            error.WriteLine($"{name}: {e.Message}");
            error.WriteLine(usage);
            return UsageError;
        }
        catch (OutOfMemoryException e)
        {
            error.WriteLine($"{name}: out of memory ({e.Message}); use smaller images, tiles or batches.");
            if (verbose) error.WriteLine(e);
            return Failure;
        }
        catch (Exception e)
        {
            var cause = e is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[0] : e;
            bool expected = cause is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException
                or InvalidOperationException or NotSupportedException or TrainingDivergedException or OperationCanceledException;
            error.WriteLine(expected ? $"{name}: {cause.Message}" : $"{name}: unexpected {cause.GetType().Name}: {cause.Message}");
            if (verbose) error.WriteLine(e);
            else if (!expected) error.WriteLine($"{name}: run again with --verbose for the stack trace.");
            return Failure;
        }
    }
}
