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
        string? data = null, scaleText = null, model = null, json = null, tileText = null, overlapText = null;
        bool selfEnsemble = false;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name == "--self-ensemble")
            {
                selfEnsemble = true;
                continue;
            }
            if (name is not ("--data" or "--scale" or "--model" or "--json" or "--tile" or "--overlap"))
            {
                error = $"unknown option '{name}'.";
                return false;
            }
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"option {name} needs a value.";
                return false;
            }
            string value = args[++i];
            ref string? slot = ref data;
            switch (name)
            {
                case "--scale": slot = ref scaleText; break;
                case "--model": slot = ref model; break;
                case "--json": slot = ref json; break;
                case "--tile": slot = ref tileText; break;
                case "--overlap": slot = ref overlapText; break;
            }
            if (slot is not null)
            {
                error = $"option {name} is given twice.";
                return false;
            }
            slot = value;
        }

        if (data is null) { error = "missing --data FOLDER."; return false; }
        if (scaleText is null) { error = "missing --scale S."; return false; }
        if (model is null) { error = "missing --model (bicubic|MODEL)."; return false; }
        if (!int.TryParse(scaleText, NumberStyles.None, CultureInfo.InvariantCulture, out int scale) || scale < 2)
        {
            error = $"--scale must be an integer of at least 2, got '{scaleText}'.";
            return false;
        }
        if (!Directory.Exists(data))
        {
            error = $"--data folder '{data}' does not exist.";
            return false;
        }
        var tiling = Tiling.Default;
        if (tileText is not null)
        {
            if (!int.TryParse(tileText, NumberStyles.None, CultureInfo.InvariantCulture, out int tile) || tile < 8)
            {
                error = $"--tile must be an integer of at least 8, got '{tileText}'.";
                return false;
            }
            tiling = tiling with { Tile = tile };
        }
        if (overlapText is not null)
        {
            if (!int.TryParse(overlapText, NumberStyles.None, CultureInfo.InvariantCulture, out int overlap))
            {
                error = $"--overlap must be a whole number, got '{overlapText}'.";
                return false;
            }
            tiling = tiling with { Overlap = overlap };
        }
        if (2 * tiling.Overlap >= tiling.Tile)
        {
            error = $"--overlap {tiling.Overlap} must be less than half the tile ({tiling.Tile}).";
            return false;
        }
        error = null;
        options = new Options(data, scale, model, selfEnsemble, json) { Tiling = tiling };
        return true;
    }
}
