using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Export;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// The <c>export</c> verb: turns an HSPAN checkpoint (official .pt, .safetensors or our own) into an
/// ONNX model, and with <c>--verify</c> checks ONNX Runtime against TorchSharp on a random input.
/// Exit codes: 0 success, 1 failure (unreadable checkpoint, verification beyond tolerance), 2 usage.
/// </summary>
public static class ExportCommand
{
    public const string Usage =
        "usage: MLNet.SuperRes.Trainer export --checkpoint FILE [--topk K] [--res-scale R] --output MODEL.onnx [--verify]\n" +
        "  --checkpoint FILE  official PyTorch .pt state_dict, .safetensors state_dict, or a checkpoint written by train\n" +
        "  --topk K           soft-thresholding top-k (default: the checkpoint's, else 128)\n" +
        "  --res-scale R      residual scale (default: the checkpoint's, else 0.1)\n" +
        "  --output FILE      the ONNX model to write\n" +
        "  --verify           run ONNX Runtime and TorchSharp on the same random input; fail beyond 1e-4 max abs difference";

    /// <summary>Parsed options of the verb.</summary>
    public sealed record Options(string Checkpoint, string Output, int? TopK, double? ResScale, bool Verify);

    /// <summary>Runs the verb with the arguments that follow <c>export</c>.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Verb.Run("export", Usage, args, a => Execute(Parse(a), output, error), output, error);

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static Options Parse(string[] args)
    {
        var cl = new CommandLine(args, "verify");
        var options = new Options(cl.Required("checkpoint"), cl.Required("output"), cl.Int("topk", min: 1), cl.Double("res-scale"), cl.Has("verify"));
        if (Path.GetFullPath(options.Output) == Path.GetFullPath(options.Checkpoint))
            throw new UsageException($"--output '{options.Output}' is the checkpoint itself; it would be replaced by the ONNX model. Give another file.");
        cl.RejectUnknown();
        return options;
    }

    private static int Execute(Options options, TextWriter output, TextWriter error)
    {
        if (options.Verify) OnnxRuntimeLog.TryStartCapture();

        var file = HspanCheckpoint.Read(options.Checkpoint);
        var config = HspanCheckpoint.ConfigFor(file, options.TopK, options.ResScale);
        var model = new Hspan(config);
        HspanCheckpoint.LoadStateDict(model, file.Tensors, options.Checkpoint);
        model.eval();
        var info = new OnnxExportInfo(Path.GetFileName(options.Checkpoint), Iterations(file, error));

        var clock = Stopwatch.StartNew();
        var proto = HspanOnnxExporter.Build(model, info);
        var bytes = proto.ToByteArray();
        clock.Stop();
        if (options.Verify && !Verified(model, bytes, output, error)) return Verb.Failure;
        AtomicFile.WriteAllBytes(options.Output, bytes);
        output.WriteLine($"Exported HSPAN x{config.Scale} ({config.NResGroups} groups x {config.NResBlocks} blocks, {config.NFeats} features, " +
                         $"top-k {config.TopK}, res_scale {config.ResScale.ToString(CultureInfo.InvariantCulture)}) from {info.Source} " +
                         $"to {options.Output}: {new FileInfo(options.Output).Length / 1048576.0:F1} MiB in {clock.Elapsed.TotalSeconds:F1} s.");
        return Verb.Success;
    }

    /// <summary>ONNX Runtime against TorchSharp on a random input, before anything is written.</summary>
    private static bool Verified(Hspan model, byte[] onnx, TextWriter output, TextWriter error)
    {
        var input = OnnxVerifier.RandomInput(2, 29, 23);
        var comparison = OnnxVerifier.Compare(model, onnx, input);
        output.WriteLine($"Verify on a random [{string.Join(", ", input.shape)}] input: max abs difference {comparison.MaxAbsDifference:E3}, " +
                         $"mean abs difference {comparison.MeanAbsDifference:E3} (tolerance {OnnxVerifier.Tolerance:E0}).");
        var warnings = comparison.RuntimeWarnings ?? [];
        foreach (var warning in warnings) error.WriteLine($"export: ONNX Runtime: {warning}");

        if (!(comparison.MaxAbsDifference <= OnnxVerifier.Tolerance))
        {
            error.WriteLine($"export: verification failed, ONNX Runtime and TorchSharp differ by {comparison.MaxAbsDifference:E3} > {OnnxVerifier.Tolerance:E0}; nothing was written.");
            return false;
        }
        if (warnings.Count > 0)
        {
            error.WriteLine($"export: verification failed, ONNX Runtime logged {warnings.Count} warning(s) for the model; nothing was written.");
            return false;
        }
        output.WriteLine(comparison.RuntimeWarnings is not null
            ? "Verified: ONNX Runtime (CPU, ORT_ENABLE_ALL) matches TorchSharp and logged no warnings."
            : "Verified: ONNX Runtime (CPU, ORT_ENABLE_ALL) matches TorchSharp (its log could not be captured in this process).");
        return true;
    }

    private static long? Iterations(StateDictFile file, TextWriter error)
    {
        if (!file.Metadata.TryGetValue("iterations", out var text)) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var iterations)) return iterations;
        error.WriteLine($"export: ignoring the checkpoint's 'iterations' metadata '{text}', which is not a whole number.");
        return null;
    }
}
