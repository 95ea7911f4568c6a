using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Trainer.Evaluation;

const string usage = "usage: MLNet.SuperRes.Trainer (train | eval | export) [options]   (a verb alone prints its options)";
if (args.Length == 0)
{
    Console.Error.WriteLine(usage);
    return 2;
}
try
{
    var rest = args[1..];
    return args[0] switch
    {
        "train" when rest.Length == 0 => PrintUsage(TrainCommand.Usage),
        "train" => TrainCommand.Run(rest),
        "export" => ExportCommand.Run(rest),
        "eval" when rest.Length == 0 => PrintUsage(EvalCommand.Usage),
        "eval" => EvalCommand.Run(rest, (model, scale, tiling) => ModelResolvers.Open(model, scale, tiling)),
        _ => PrintUsage(usage),
    };
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int PrintUsage(string text)
{
    Console.Error.WriteLine(text);
    return 2;
}
