using System.Diagnostics;
using System.Globalization;
using MLNet.SuperRes.Trainer.Evaluation;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// The <c>eval</c> verb: scores a model (or the bicubic baseline) on a folder of HR images as SR papers do.
/// </summary>
public static class EvalCommand
{
    /// <summary>The usage text printed with every usage error.</summary>
    public const string Usage =
        "usage: eval --data FOLDER --scale S --model (bicubic|MODEL) [--self-ensemble] [--tile N] [--overlap N] [--json FILE]\n" +
        "  --data FOLDER     folder of high-resolution images (png, bmp, jpg, jpeg, webp)\n" +
        "  --scale S         integer upscaling factor, 2 or more\n" +
        "  --model MODEL     'bicubic' (MATLAB bicubic), 'default' (the embedded default model), an .onnx file, or a checkpoint (.pt, .safetensors, training folder)\n" +
        "  --self-ensemble   average the x8 flips/transposes of the input (EDSR's forward_x8)\n" +
        "  --tile N          tile side in LR pixels for networks (default 40, as SuperResolve)\n" +
        "  --overlap N       pixels shared by neighbouring tiles (default 4), less than half the tile\n" +
        "  --json FILE       also write the scores as JSON to FILE";

    /// <summary>Exit code for bad command-line options.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when the evaluation itself fails (missing or corrupt image, model error).</summary>
    public const int Failure = 1;

    /// <summary>Parses <paramref name="args"/> (the arguments after the verb), runs the evaluation and prints a table.</summary>
    /// <param name="args">Options as in <see cref="Usage"/>.</param>
    /// <param name="resolveModel">Loads any model other than "bicubic", from the --model value, the scale and the tiling.</param>
    /// <returns>0 on success, <see cref="UsageError"/> for bad options, <see cref="Failure"/> when evaluation fails.</returns>
    public static int Run(string[] args, Func<string, int, Tiling, ISuperResolver> resolveModel)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(resolveModel);
        if (!TryParse(args, out var options, out string? error))
        {
            Console.Error.WriteLine($"eval: {error}");
            Console.Error.WriteLine(Usage);
            return UsageError;
        }

        try
        {
            ISuperResolver resolver = options.Model == "bicubic"
                ? new BicubicResolver(options.Scale)
                : resolveModel(options.Model, options.Scale, options.Tiling);
            if (resolver.Scale != options.Scale)
                throw new InvalidOperationException($"Model '{options.Model}' upscales by {resolver.Scale}, but --scale is {options.Scale}.");
            if (options.SelfEnsemble)
                resolver = new SelfEnsembleResolver(resolver);

            var stopwatch = Stopwatch.StartNew();
            var report = new Evaluator(resolver).EvaluateFolder(options.Data, options.Model, options.SelfEnsemble);
            stopwatch.Stop();

            Console.Write(report.ToTable());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Images.Count} images in {stopwatch.Elapsed.TotalSeconds:F2} s"));
            if (options.Json is not null)
                report.WriteJson(options.Json);
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"eval: {e.Message}");
            return Failure;
        }
    }

    /// <summary>The parsed options of the eval verb.</summary>
    public sealed record Options(string Data, int Scale, string Model, bool SelfEnsemble, string? Json)
    {
        public Tiling Tiling { get; init; } = Tiling.Default;
    }

    /// <summary>Parses the eval options; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string[] args, out Options options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = null!;
        try
        {
            var cl = new CommandLine(args, "self-ensemble");
            string data = cl.Required("data");
            int scale = cl.Int("scale", min: 2) ?? throw new UsageException("--scale is required.");
            string model = cl.Required("model");
            bool selfEnsemble = cl.Has("self-ensemble");
            string? json = cl.String("json");
            var tiling = new Tiling(cl.Int("tile", min: 8) ?? Tiling.Default.Tile, cl.Int("overlap", min: 0) ?? Tiling.Default.Overlap);
            cl.RejectUnknown();
            if (2 * tiling.Overlap >= tiling.Tile)
                throw new UsageException($"--overlap {tiling.Overlap} must be less than half the tile ({tiling.Tile}).");
            if (!Directory.Exists(data))
                throw new UsageException($"--data folder '{data}' does not exist.");
            options = new Options(data, scale, model, selfEnsemble, json) { Tiling = tiling };
            error = null;
            return true;
        }
        catch (UsageException e)
        {
            error = e.Message;
            return false;
        }
    }
}
