using System.Diagnostics;
using System.Globalization;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Files;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// The <c>eval</c> verb: scores a model (or the bicubic baseline) on a folder of HR images as SR papers do.
/// </summary>
public static class EvalCommand
{
    /// <summary>The usage text printed with every usage error.</summary>
    public const string Usage =
        "usage: eval --data FOLDER --scale S --model (bicubic|MODEL) [--self-ensemble] [--tile N] [--overlap N] [--topk K] [--res-scale R] [--precision fp32|int8] [--json FILE]\n" +
        "  --data FOLDER     folder of high-resolution images (png, bmp, jpg, jpeg, webp)\n" +
        "  --scale S         integer upscaling factor, 2 or more\n" +
        "  --model MODEL     'bicubic' (MATLAB bicubic), 'default' (the embedded default model), an .onnx file, or a checkpoint (.pt, .safetensors, training folder)\n" +
        "  --self-ensemble   average a network's x8 flips/transposes per tile before rounding, as SuperResolve's SelfEnsemble\n" +
        "  --tile N          tile side in LR pixels for networks (default: as SuperResolve, 40 for HSPAN; at most 128)\n" +
        "  --overlap N       pixels shared by neighbouring tiles (default 4, less for tiles under 10), less than half the tile\n" +
        "  --topk K          a checkpoint's soft-thresholding top-k (default: the checkpoint's, else 128)\n" +
        "  --res-scale R     a checkpoint's residual scale (default: the checkpoint's, else 0.1)\n" +
        "  --precision P     with --model default: fp32 (default) or int8, the embedded int8 model\n" +
        "  --json FILE       also write the scores as JSON to FILE\n" +
        "  --verbose         print the stack trace of a failure";

    /// <summary>The largest --tile: its attention scores take 1 GiB, the network several times that.</summary>
    public const int MaxTile = 128;

    /// <summary>Exit code for bad command-line options.</summary>
    public const int UsageError = Verb.UsageError;

    /// <summary>Exit code when the evaluation itself fails (missing or corrupt image, model error).</summary>
    public const int Failure = Verb.Failure;

    /// <summary>Parses <paramref name="args"/> (the arguments after the verb), runs the evaluation and prints a table.</summary>
    /// <param name="args">Options as in <see cref="Usage"/>.</param>
    /// <param name="openModel">Opens any model other than "bicubic" as the parsed options describe it (self-ensemble included).</param>
    /// <returns>0 on success, <see cref="UsageError"/> for bad options, <see cref="Failure"/> when evaluation fails.</returns>
    public static int Run(string[] args, Func<Options, IUpscaler> openModel)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(openModel);
        return Verb.Run("eval", Usage, args, arguments =>
        {
            var options = Parse(arguments);
            if (options.Json is not null) AtomicFile.EnsureWritable(options.Json);
            IUpscaler upscaler = options.Model == "bicubic" ? new MatlabBicubicUpscaler(options.Scale) : openModel(options);
            using var owned = upscaler as IDisposable;
            if (upscaler.Scale != options.Scale)
                throw new InvalidOperationException($"Model '{options.Model}' upscales by {upscaler.Scale}, but --scale is {options.Scale}.");

            var stopwatch = Stopwatch.StartNew();
            var console = new LiveLine();
            EvaluationReport report;
            try
            {
                report = new Evaluator(upscaler).EvaluateFolder(options.Data,
                    options.Precision == ModelPrecision.Int8 ? $"{options.Model} int8" : options.Model, options.SelfEnsemble, (done, total, next) =>
                {
                    string eta = done == 0 ? "" : $", ETA {TimeSpan.FromSeconds(stopwatch.Elapsed.TotalSeconds / done * (total - done)):m\\:ss}";
                    console.Status($"image {done + 1}/{total} {next}{eta}");
                });
            }
            finally
            {
                console.Finish();
            }
            stopwatch.Stop();

            Console.Write(report.ToTable());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Images.Count} images in {stopwatch.Elapsed.TotalSeconds:F2} s"));
            if (options.Json is not null)
                report.WriteJson(options.Json);
            return Verb.Success;
        });
    }

    /// <summary>The parsed options of the eval verb.</summary>
    public sealed record Options(string Data, int Scale, string Model, bool SelfEnsemble, string? Json)
    {
        /// <summary>The tiling given by --tile/--overlap; null lets the model decide, as SuperResolve does.</summary>
        public TilePlan? Tiling { get; init; }

        /// <summary>A checkpoint's top-k and residual scale when given (an ONNX model has them built in).</summary>
        public int? TopK { get; init; }
        public double? ResScale { get; init; }

        /// <summary>Which embedded default <c>--model default</c> runs.</summary>
        public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;
    }

    /// <summary>Parses the eval options; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string[] args, out Options options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            options = Parse(args);
            error = null;
            return true;
        }
        catch (UsageException e)
        {
            options = null!;
            error = e.Message;
            return false;
        }
    }

    private static Options Parse(string[] args)
    {
        var cl = new CommandLine(args, "self-ensemble");
        string data = cl.Required("data");
        int scale = cl.Int("scale", min: 2) ?? throw new UsageException("--scale is required.");
        string model = cl.Required("model");
        bool selfEnsemble = cl.Has("self-ensemble");
        string? json = cl.String("json");
        var tiling = ReadTiling(cl);
        int? topk = cl.Int("topk", min: 1);
        double? resScale = cl.Double("res-scale");
        string? precisionText = cl.String("precision");
        cl.RejectUnknown();
        var precision = precisionText switch
        {
            null or "fp32" => ModelPrecision.Float32,
            "int8" => ModelPrecision.Int8,
            _ => throw new UsageException($"--precision must be fp32 or int8, got '{precisionText}'."),
        };
        if (precisionText is not null && model != "default")
            throw new UsageException($"--precision chooses among the embedded default models (--model default); '{model}' has its own precision.");
        if (!Directory.Exists(data))
            throw new UsageException($"--data folder '{data}' does not exist.");
        if (selfEnsemble && model == "bicubic")
            throw new UsageException("--self-ensemble averages a network's outputs over flips and transposes; MATLAB bicubic has nothing to average (it is flip-symmetric).");
        bool isCheckpoint = model != "bicubic" && model != "default" && !model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
        if ((topk is not null || resScale is not null) && !isCheckpoint)
            throw new UsageException($"--topk and --res-scale apply to checkpoints; '{model}' has them built in.");
        return new Options(data, scale, model, selfEnsemble, json) { Tiling = tiling, TopK = topk, ResScale = resScale, Precision = precision };
    }

    /// <summary>The tiling --tile and --overlap give (8 to <see cref="MaxTile"/>, overlap under half the tile); null when neither is.</summary>
    internal static TilePlan? ReadTiling(CommandLine cl)
    {
        int? tile = cl.Int("tile", min: 8), overlap = cl.Int("overlap", min: 0);
        if (tile is null && overlap is null) return null;
        int side = tile ?? TilePlan.Default.TileSize;
        if (side > MaxTile)
            throw new UsageException($"--tile {side}: one tile would hold {SuperResolutionOptions.AttentionBytes(side) / (1L << 30)} GiB of attention scores; at most {MaxTile}.");
        int shared = overlap ?? TilePlan.OverlapFor(side);
        if (2 * shared >= side)
            throw new UsageException($"--overlap {shared} must be less than half the tile ({side}).");
        return TilePlan.Exactly(side, shared);
    }
}
