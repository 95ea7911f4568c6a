using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Evaluation;

const string usage = """
    usage: MLNet.SuperRes.Trainer (train | eval | export | explain) [options]
      train    train HSPAN on a folder of images (or resume a run)
      eval     score a model or bicubic on a folder as SR papers do (PSNR/SSIM on Y)
      export   turn a checkpoint into an ONNX model for SuperResolve
      explain  picture what each HSPA block attends to for one pixel, beside softmax
    'VERB --help' prints a verb's options; a verb alone prints them too.
    """;
// --verbose belongs to every verb, so it may also come first.
if (args is ["--verbose", var verbName, .. var verbArguments])
    args = [verbName, .. verbArguments, "--verbose"];
if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
{
    (args.Length == 0 ? Console.Error : Console.Out).WriteLine(usage);
    return args.Length == 0 ? Verb.UsageError : Verb.Success;
}
var rest = args[1..];
return args[0] switch
{
    "train" when rest.Length == 0 => PrintUsage(TrainCommand.Usage),
    "train" => TrainCommand.Run(rest),
    "export" when rest.Length == 0 => PrintUsage(ExportCommand.Usage),
    "export" => ExportCommand.Run(rest),
    "explain" when rest.Length == 0 => PrintUsage(ExplainCommand.Usage),
    "explain" => ExplainCommand.Run(rest),
    "eval" when rest.Length == 0 => PrintUsage(EvalCommand.Usage),
    "eval" => EvalCommand.Run(rest, o => EvalModels.Open(o.Model, o.Scale, o.Tiling, o.TopK, o.ResScale, o.SelfEnsemble, o.Precision)),
    _ => PrintUsage($"unknown verb '{args[0]}'.\n{usage}"),
};

static int PrintUsage(string text)
{
    Console.Error.WriteLine(text);
    return Verb.UsageError;
}
