using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Export.Quantization;

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
        "                                     [--int8 --calibrate FOLDER[,FOLDER...] [--calibrate-images N] [--calibration-statistic minmax|percentile]]\n" +
        "  --checkpoint FILE  official PyTorch .pt state_dict, .safetensors state_dict, or a checkpoint written by train\n" +
        "  --topk K           soft-thresholding top-k (default: the checkpoint's, else 128)\n" +
        "  --res-scale R      residual scale (default: the checkpoint's, else 0.1)\n" +
        "  --output FILE      the ONNX model to write\n" +
        "  --verify           run ONNX Runtime and TorchSharp on the same random input; fail beyond 1e-4 max abs difference\n" +
        "                     (with --int8: the float graph, before it is quantized)\n" +
        "  --int8             static int8 quantization: the convolutions in QDQ form (per-channel int8 weights, uint8\n" +
        "                     activations calibrated on --calibrate); the attention, soft thresholding and residual adds stay float\n" +
        "  --calibrate F      folders of training images to calibrate on (never the test sets you evaluate on)\n" +
        "  --calibrate-images N  images spread evenly over those folders, 4 LR crops each (default 32)\n" +
        "  --calibration-statistic S  percentile (default: 0.001% clipped at each end) or minmax (the range seen)";

    public const int DefaultCalibrationImages = 32;

    /// <summary>Parsed options of the verb.</summary>
    public sealed record Options(string Checkpoint, string Output, int? TopK, double? ResScale, bool Verify, Int8Options? Int8 = null);

    /// <summary>Options of an int8 export.</summary>
    public sealed record Int8Options(IReadOnlyList<string> CalibrationFolders, int CalibrationImages, CalibrationStatistic Statistic);

    /// <summary>Runs the verb with the arguments that follow <c>export</c>.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Verb.Run("export", Usage, args, a => Execute(Parse(a), output, error), output, error);

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static Options Parse(string[] args)
    {
        var cl = new CommandLine(args, "verify", "int8");
        var options = new Options(cl.Required("checkpoint"), cl.Required("output"), cl.Int("topk", min: 1), cl.Double("res-scale"), cl.Has("verify"),
            ParseInt8(cl));
        if (Path.GetFullPath(options.Output) == Path.GetFullPath(options.Checkpoint))
            throw new UsageException($"--output '{options.Output}' is the checkpoint itself; it would be replaced by the ONNX model. Give another file.");
        cl.RejectUnknown();
        return options;
    }

    private static Int8Options? ParseInt8(CommandLine cl)
    {
        bool int8 = cl.Has("int8");
        string? calibrate = cl.String("calibrate");
        int? images = cl.Int("calibrate-images", min: 1);
        string? statistic = cl.String("calibration-statistic");
        if (!int8)
        {
            if (calibrate is not null || images is not null || statistic is not null)
                throw new UsageException("--calibrate, --calibrate-images and --calibration-statistic belong to --int8, which is not given.");
            return null;
        }
        if (calibrate is null) throw new UsageException("--int8 needs --calibrate FOLDER: training images to calibrate the activations on.");
        var folders = calibrate.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (folders.Length == 0) throw new UsageException($"--calibrate '{calibrate}' names no folder.");
        foreach (var folder in folders)
        {
            if (File.Exists(folder))
                throw new UsageException($"--calibrate '{folder}' is a file; give a folder of images.");
            try { ImageFolder.RequireImages(folder, "--calibrate folder"); }
            catch (Exception e) when (e is DirectoryNotFoundException or InvalidDataException) { throw new UsageException(e.Message); }
        }
        var parsedStatistic = statistic switch
        {
            null => Int8Quantizer.DefaultStatistic,
            "minmax" => CalibrationStatistic.MinMax,
            "percentile" => CalibrationStatistic.Percentile,
            _ => throw new UsageException($"--calibration-statistic must be minmax or percentile, got '{statistic}'."),
        };
        return new Int8Options(folders, images ?? DefaultCalibrationImages, parsedStatistic);
    }

    private static int Execute(Options options, TextWriter output, TextWriter error)
    {
        AtomicFile.EnsureWritable(options.Output);
        if (options.Verify) OnnxRuntimeLog.TryStartCapture();

        using var model = LoadModel(options, error, out var config, out var info);

        var clock = Stopwatch.StartNew();
        var proto = HspanOnnxExporter.Build(model, info);
        var bytes = proto.ToByteArray();
        clock.Stop();
        if (options.Verify && !Verified(model, bytes, output, error)) return Verb.Failure;
        string precision = "";
        if (options.Int8 is { } int8)
        {
            bytes = Quantized(proto, bytes, config.Scale, int8, output, error);
            precision = " int8";
        }
        AtomicFile.WriteAllBytes(options.Output, bytes);
        output.WriteLine($"Exported{precision} HSPAN x{config.Scale} ({config.NResGroups} groups x {config.NResBlocks} blocks, {config.NFeats} features, " +
                         $"top-k {config.TopK}, res_scale {config.ResScale.ToString(CultureInfo.InvariantCulture)}) from {info.Source} " +
                         $"to {options.Output}: {new FileInfo(options.Output).Length / 1048576.0:F1} MiB in {clock.Elapsed.TotalSeconds:F1} s.");
        return Verb.Success;
    }

    private static Hspan LoadModel(Options options, TextWriter error, out HspanConfig config, out OnnxExportInfo info)
    {
        using var file = HspanCheckpoint.Read(options.Checkpoint);
        config = HspanCheckpoint.ConfigFor(file, options.TopK, options.ResScale);
        info = new OnnxExportInfo(Path.GetFileName(options.Checkpoint), Iterations(file, error));
        var model = HspanCheckpoint.Load(file, options.TopK, options.ResScale);
        model.eval();
        return model;
    }

    /// <summary>The int8 model: calibrated, rewritten, and compared with the float model on a few calibration crops.</summary>
    private static byte[] Quantized(Onnx.ModelProto floatModel, byte[] floatBytes, int scale, Int8Options int8, TextWriter output, TextWriter error)
    {
        foreach (var folder in int8.CalibrationFolders.Where(CalibrationCrops.IsBenchmarkTestSet))
            error.WriteLine($"export: warning: calibrating on '{folder}', a benchmark test set; scores on it will flatter the int8 model. Calibrate on training images.");
        var files = CalibrationCrops.Spread(CalibrationCrops.ImageFiles(int8.CalibrationFolders), int8.CalibrationImages);
        var clock = Stopwatch.StartNew();
        var (model, summary) = Int8Quantizer.Quantize(floatModel, scale, files, int8.Statistic);
        var bytes = model.ToByteArray();
        output.WriteLine($"Calibrated on {summary.Images} images ({summary.Crops} LR crops, {summary.Statistic}) and quantized " +
                         $"{QdqRewriter.QuantizedConvs(floatModel.Graph).Count} convolutions in {clock.Elapsed.TotalSeconds:F1} s.");
        var check = CalibrationCrops.Spread(files, 4).SelectMany((file, i) => CalibrationCrops.Of(file, scale, seed: 1000 + i));
        var agreement = QuantizationAgreement.Measure(floatBytes, bytes, check);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Int8 against float32 on crops of 4 calibration images: PSNR {agreement.Psnr:F2} dB, max abs difference {agreement.MaxAbsDifference:E2}."));
        return bytes;
    }

    /// <summary>
    /// ONNX Runtime against TorchSharp on a random input, before anything is written: with the runtime's attention
    /// kernel (what SuperResolve runs on the CPU) and with the attention function's standard-op body (what CUDA and
    /// other tools run).
    /// </summary>
    private static bool Verified(Hspan model, byte[] onnx, TextWriter output, TextWriter error)
    {
        using var input = OnnxVerifier.RandomInput(2, 29, 23);
        bool captured = true;
        foreach (var (kernel, name) in new[] { (true, "attention kernel"), (false, "standard-op attention") })
        {
            var comparison = OnnxVerifier.Compare(model, onnx, input, kernel);
            output.WriteLine($"Verify ({name}) on a random [{string.Join(", ", input.shape)}] input: max abs difference {comparison.MaxAbsDifference:E3}, " +
                             $"mean abs difference {comparison.MeanAbsDifference:E3} (tolerance {OnnxVerifier.Tolerance:E0}).");
            var warnings = comparison.RuntimeWarnings ?? [];
            foreach (var warning in warnings) error.WriteLine($"export: ONNX Runtime: {warning}");
            if (!(comparison.MaxAbsDifference <= OnnxVerifier.Tolerance))
            {
                error.WriteLine($"export: verification failed, ONNX Runtime ({name}) and TorchSharp differ by {comparison.MaxAbsDifference:E3} > {OnnxVerifier.Tolerance:E0}; nothing was written.");
                return false;
            }
            if (warnings.Count > 0)
            {
                error.WriteLine($"export: verification failed, ONNX Runtime logged {warnings.Count} warning(s) for the model; nothing was written.");
                return false;
            }
            captured &= comparison.RuntimeWarnings is not null;
        }
        output.WriteLine(captured
            ? "Verified: ONNX Runtime (CPU, ORT_ENABLE_ALL) matches TorchSharp, with and without the attention kernel, and logged no warnings."
            : "Verified: ONNX Runtime (CPU, ORT_ENABLE_ALL) matches TorchSharp, with and without the attention kernel (its log could not be captured in this process).");
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
