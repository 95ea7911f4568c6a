using System.Globalization;
using MLNet.SuperRes;

namespace Upscale;

/// <summary>The command line of the Upscale sample.</summary>
internal sealed class UpscaleArguments
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".tga"];

    public required string InputPath { get; init; }
    public required string OutputPath { get; init; }
    public int? Scale { get; init; }
    public string? ModelPath { get; init; }
    public string Provider { get; init; } = "auto";
    public int GpuDevice { get; init; }
    public int TileSize { get; init; }
    public int? TileOverlap { get; init; }
    public int? Threads { get; init; }
    public bool SelfEnsemble { get; init; }
    public string? ComparePath { get; init; }
    public SixLabors.ImageSharp.Rectangle? CompareRegion { get; init; }

    public static UpscaleArguments Parse(string[] args)
    {
        var positional = new List<string>();
        var values = new Dictionary<string, string>();
        bool selfEnsemble = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) { positional.Add(arg); continue; }
            string name = arg[2..];
            if (name == "self-ensemble") { selfEnsemble = true; continue; }
            if (name is not ("scale" or "model" or "provider" or "gpu" or "tile" or "overlap" or "threads" or "compare" or "compare-region"))
                throw new ArgumentException($"Unknown option '{arg}'.");
            if (i + 1 >= args.Length) throw new ArgumentException($"Option '{arg}' needs a value.");
            values[name] = args[++i];
        }
        if (positional.Count != 2)
            throw new ArgumentException($"Expected IN and OUT, got {positional.Count} path(s).");

        string provider = values.GetValueOrDefault("provider", "auto");
        if (provider is not ("auto" or "cuda" or "cpu"))
            throw new ArgumentException($"--provider must be auto, cuda or cpu, got '{provider}'.");
        return new UpscaleArguments
        {
            InputPath = positional[0],
            OutputPath = positional[1],
            Scale = values.ContainsKey("scale") ? Int(values, "scale", 2, 4) : values.ContainsKey("model") ? null : 2,
            ModelPath = values.GetValueOrDefault("model"),
            Provider = provider,
            GpuDevice = values.ContainsKey("gpu") ? Int(values, "gpu", 0, 64) : 0,
            TileSize = values.ContainsKey("tile") ? Int(values, "tile", 8, 4096) : 0,
            TileOverlap = values.ContainsKey("overlap") ? Int(values, "overlap", 0, 2048) : null,
            Threads = values.ContainsKey("threads") ? Int(values, "threads", 1, 1024) : null,
            SelfEnsemble = selfEnsemble,
            ComparePath = values.GetValueOrDefault("compare"),
            CompareRegion = values.TryGetValue("compare-region", out string? region) ? Region(region) : null,
        };
    }

    private static int Int(Dictionary<string, string> values, string name, int min, int max)
    {
        if (!int.TryParse(values[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new ArgumentException($"--{name} must be a whole number from {min} to {max}, got '{values[name]}'.");
        return value;
    }

    private static SixLabors.ImageSharp.Rectangle Region(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 4 || !parts.All(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            || parts.Skip(2).Any(p => int.Parse(p, CultureInfo.InvariantCulture) <= 0))
            throw new ArgumentException($"--compare-region must be X,Y,WIDTH,HEIGHT in input pixels (positive size), got '{text}'.");
        var v = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new SixLabors.ImageSharp.Rectangle(v[0], v[1], v[2], v[3]);
    }

    public SuperResolutionOptions ToOptions()
    {
        var options = new SuperResolutionOptions
        {
            Scale = Scale,
            ModelPath = ModelPath,
            TileSize = TileSize,
            IntraOpNumThreads = Threads,
            SelfEnsemble = SelfEnsemble,
            GpuDeviceId = Provider == "cpu" ? null : GpuDevice,
            FallbackToCpu = Provider == "auto",
        };
        if (TileOverlap is int overlap) options.TileOverlap = overlap; // else the library's default
        return options;
    }

    /// <summary>Input and output path of each image: one pair for a file, one per image for a folder.</summary>
    public List<(string Input, string Output)> Jobs()
    {
        if (File.Exists(InputPath))
        {
            if (Directory.Exists(OutputPath))
                throw new ArgumentException($"OUT '{OutputPath}' is a folder; for a single image give the output file's name.");
            string extension = Path.GetExtension(OutputPath).TrimStart('.');
            if (SixLabors.ImageSharp.Configuration.Default.ImageFormatsManager.FindFormatByFileExtension(extension) is null)
                throw new ArgumentException($"OUT '{OutputPath}': no image format for the extension '.{extension}' (use .png, .jpg, .bmp, .gif, .tiff, .webp or .tga).");
            return [(InputPath, OutputPath)];
        }
        if (!Directory.Exists(InputPath))
            throw new FileNotFoundException($"IN '{InputPath}' is neither an image file nor a folder.");
        if (ComparePath is not null)
            throw new ArgumentException("--compare works on a single image, not a folder.");
        if (File.Exists(OutputPath))
            throw new ArgumentException($"IN is a folder, so OUT must be a folder too, but '{OutputPath}' is a file.");

        var inputs = Directory.EnumerateFiles(InputPath)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (inputs.Count == 0)
            throw new FileNotFoundException($"No images ({string.Join(", ", ImageExtensions)}) in folder '{InputPath}'.");
        var clash = inputs.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"{string.Join(" and ", clash.Select(Path.GetFileName))} would both be written to '{clash.Key}.png'; rename one.");
        Directory.CreateDirectory(OutputPath);
        return inputs.Select(f => (f, Path.Combine(OutputPath, Path.GetFileNameWithoutExtension(f) + ".png"))).ToList();
    }
}
