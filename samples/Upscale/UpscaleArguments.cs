using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MLNet.SuperRes;

namespace Upscale;

/// <summary>The command line of the Upscale sample.</summary>
internal sealed class UpscaleArguments
{
    public required string InputPath { get; init; }
    public required string OutputPath { get; init; }
    public int? Scale { get; init; }
    public string? ModelPath { get; init; }
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;
    public string Provider { get; init; } = "auto";
    public int GpuDevice { get; init; }
    public int TileSize { get; init; }
    public int? TileOverlap { get; init; }
    public int? Threads { get; init; }
    public float? InputRange { get; init; }
    public string? ColorOrder { get; init; }
    public int? SizeMultiple { get; init; }
    public bool SelfEnsemble { get; init; }
    public bool InPlace { get; init; }

    /// <summary>Upscale the pixels as stored, ignoring the file's EXIF orientation.</summary>
    public bool KeepOrientation { get; init; }

    /// <summary>Write the output without the input's EXIF (camera, date, place); its colour profile is kept.</summary>
    public bool StripMetadata { get; init; }

    /// <summary>Print what ONNX Runtime said where the short line says what happened.</summary>
    public bool Verbose { get; init; }
    public bool Recursive { get; init; }
    public bool Overwrite { get; init; }

    /// <summary>--shard K/N: this process takes the files whose name hash is K modulo N (K from 0 to N-1).</summary>
    public (int Index, int Count)? Shard { get; init; }
    public string? ComparePath { get; init; }
    public SixLabors.ImageSharp.Rectangle? CompareRegion { get; init; }

    /// <summary>The library's messages name its options; this sample's user knows them as flags.</summary>
    public static string InSampleTerms(string message)
    {
        foreach (var (option, flag) in OptionFlags)
            message = System.Text.RegularExpressions.Regex.Replace(message, $@"\b(?:{nameof(SuperResolutionOptions)}\.)?{option}\b", flag);
        return message;
    }

    private static readonly (string Option, string Flag)[] OptionFlags =
    [
        (nameof(SuperResolutionOptions.MaxInputPixels), "this sample's size limit"),
        (nameof(SuperResolutionOptions.FallbackToCpu), "--provider auto"),
        (nameof(SuperResolutionOptions.ModelPath), "--model"),
        (nameof(SuperResolutionOptions.DefaultModelPrecision), "--precision"),
        (nameof(SuperResolutionOptions.TileOverlap), "--overlap"),
        (nameof(SuperResolutionOptions.TileSize), "--tile"),
        (nameof(SuperResolutionOptions.IntraOpNumThreads), "--threads"),
        (nameof(SuperResolutionOptions.GpuDeviceId), "--gpu"),
        (nameof(SuperResolutionOptions.InputRange), "--input-range"),
        (nameof(SuperResolutionOptions.InputColorOrder), "--color-order"),
        (nameof(SuperResolutionOptions.InputSizeMultiple), "--size-multiple"),
        (nameof(SuperResolutionOptions.SelfEnsemble), "--self-ensemble"),
        (nameof(SuperResolutionOptions.Scale), "--scale"),
    ];

    public static UpscaleArguments Parse(string[] args)
    {
        var positional = new List<string>();
        var values = new Dictionary<string, string>();
        bool selfEnsemble = false, inPlace = false, recursive = false, overwrite = false, verbose = false, keepOrientation = false, stripMetadata = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) { positional.Add(arg); continue; }
            string name = arg[2..];
            if (name == "self-ensemble") { selfEnsemble = true; continue; }
            if (name == "in-place") { inPlace = true; continue; }
            if (name == "recursive") { recursive = true; continue; }
            if (name == "overwrite") { overwrite = true; continue; }
            if (name == "verbose") { verbose = true; continue; }
            if (name == "keep-orientation") { keepOrientation = true; continue; }
            if (name == "strip-metadata") { stripMetadata = true; continue; }
            if (name is not ("scale" or "model" or "precision" or "provider" or "gpu" or "tile" or "overlap" or "threads" or "compare" or "compare-region" or "shard"
                or "input-range" or "color-order" or "size-multiple"))
                throw new ArgumentException($"Unknown option '{arg}'.");
            if (i + 1 >= args.Length) throw new ArgumentException($"Option '{arg}' needs a value.");
            values[name] = args[++i];
        }
        if (positional.Count != 2)
            throw new ArgumentException($"Expected IN and OUT, got {positional.Count} path(s).");
        int tile = values.ContainsKey("tile") ? Int(values, "tile", 8, 4096) : 0;
        int? overlap = values.ContainsKey("overlap") ? Int(values, "overlap", 0, 2048) : null;
        // Without --tile the model picks the tile, and the library checks the overlap against it.
        int sharedPixels = overlap ?? new SuperResolutionOptions().TileOverlap;
        if (tile > 0 && 2 * sharedPixels >= tile)
            throw new ArgumentException($"--overlap {sharedPixels} must be less than half the tile ({tile}); use a larger --tile or a smaller --overlap.");

        var precision = values.GetValueOrDefault("precision") switch
        {
            null or "fp32" => ModelPrecision.Float32,
            "int8" => ModelPrecision.Int8,
            string other => throw new ArgumentException($"--precision must be fp32 or int8, got '{other}'."),
        };
        if (values.ContainsKey("precision") && values.ContainsKey("model"))
            throw new ArgumentException("--precision chooses between the embedded default models; a --model has its own precision.");

        string provider = values.GetValueOrDefault("provider", "auto");
        if (provider is not ("auto" or "cuda" or "cpu"))
            throw new ArgumentException($"--provider must be auto, cuda or cpu, got '{provider}'.");
        return new UpscaleArguments
        {
            InputPath = positional[0],
            OutputPath = positional[1],
            Scale = values.ContainsKey("scale") ? Int(values, "scale", 2, 4) : values.ContainsKey("model") ? null : 2,
            ModelPath = values.GetValueOrDefault("model"),
            Precision = precision,
            Provider = provider,
            GpuDevice = values.ContainsKey("gpu") ? Int(values, "gpu", 0, 64) : 0,
            TileSize = tile,
            TileOverlap = overlap,
            Threads = values.ContainsKey("threads") ? Int(values, "threads", 1, 1024) : null,
            InputRange = values.TryGetValue("input-range", out string? range)
                ? range is "1" or "255" ? float.Parse(range, CultureInfo.InvariantCulture) : throw new ArgumentException($"--input-range must be 1 or 255, got '{range}'.")
                : null,
            ColorOrder = values.TryGetValue("color-order", out string? order)
                ? order.ToUpperInvariant() is "RGB" or "BGR" ? order.ToUpperInvariant() : throw new ArgumentException($"--color-order must be RGB or BGR, got '{order}'.")
                : null,
            SizeMultiple = values.ContainsKey("size-multiple") ? Int(values, "size-multiple", 1, 1024) : null,
            SelfEnsemble = selfEnsemble,
            InPlace = inPlace,
            Recursive = recursive,
            Overwrite = overwrite,
            Verbose = verbose,
            KeepOrientation = keepOrientation,
            StripMetadata = stripMetadata,
            Shard = values.TryGetValue("shard", out string? shard) ? ParseShard(shard) : null,
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

    /// <summary>
    /// Peak memory of the network over the attention scores of one tile, where they are held (measured: a 128-pixel
    /// tile, 1 GiB of scores, peaks near 4.5 GB resident).
    /// </summary>
    private const int PeakOverAttention = 5;

    /// <summary>
    /// Peak memory per input position of one tile where the CPU attention kernel holds no scores: the feature maps
    /// (measured on the default x2 model: 6.3 KB more per position from a 128- to a 192-pixel tile).
    /// </summary>
    private const double BytesPerPosition = 6_500;

    /// <summary>
    /// Checks that one --tile N tile of an HSPAN model fits in this machine's memory (its (N²)² attention scores where
    /// they are held, <see cref="TilePlan.HoldsAttentionScores"/>; its feature maps where the CPU kernel runs); otherwise a
    /// usage error naming the largest that does.
    /// </summary>
    public static void CheckTileFits(int tile, TilePlan tiles, bool hspan)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        double usable = 0.8 * available;
        double Needs(int side) => tiles.HoldsAttentionScores
            ? PeakOverAttention * (double)SuperResolutionOptions.AttentionBytes(side)
            : BytesPerPosition * side * side;
        if (tile == 0 || !hspan || Needs(tile) <= usable)
            return;
        int largest = 8;
        while (Needs(largest + 1) <= usable) largest++;
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"--tile {tile}: one tile needs about {Needs(tile) / 1e9:N0} GB, " +
            $"and this machine has {available / 1e9:N1} GB; the largest tile that fits is {largest}."));
    }

    private static (int, int) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1 && index < count)
            return (index, count);
        throw new ArgumentException($"--shard must be K/N with N at least 1 and K from 0 to N-1 (as a Kubernetes Indexed Job numbers its pods), got '{text}'.");
    }

    /// <summary>
    /// Which shard a file belongs to: a hash of its path relative to IN (with '/' separators), so every process
    /// and every rerun agrees, whatever order the files are listed in.
    /// </summary>
    public static int ShardOf(string relativePath, int count)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(relativePath.Replace('\\', '/')));
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count);
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
            DefaultModelPrecision = Precision,
            TileSize = TileSize,
            // An explicit --tile was checked against this machine's memory; the library's budget follows it.
            AttentionMemoryBudgetBytes = TileSize > 0 ? SuperResolutionOptions.AttentionBytes(TileSize) : new SuperResolutionOptions().AttentionMemoryBudgetBytes,
            IntraOpNumThreads = Threads,
            InputRange = InputRange,
            InputColorOrder = ColorOrder,
            InputSizeMultiple = SizeMultiple,
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
            if (ComparePath is not null)
            {
                if (!ImageFiles.WritableExtensions.Contains(Path.GetExtension(ComparePath).ToLowerInvariant()))
                    throw new ArgumentException($"--compare '{ComparePath}': cannot write that format (use {string.Join(", ", ImageFiles.WritableExtensions)}).");
                if (SamePath(ComparePath, InputPath) || SamePath(ComparePath, OutputPath))
                    throw new ArgumentException($"--compare '{ComparePath}' is IN or OUT; give the comparison picture a file of its own.");
            }
            string extension = Path.GetExtension(OutputPath).ToLowerInvariant();
            if (!ImageFiles.WritableExtensions.Contains(extension))
                throw new ArgumentException(extension.Length == 0
                    ? $"OUT '{OutputPath}' has no extension to pick the format ({string.Join(", ", ImageFiles.WritableExtensions)})."
                    : $"OUT '{OutputPath}': cannot write '{extension}' files (use {string.Join(", ", ImageFiles.WritableExtensions)}).");
            return RefuseInPlace([(InputPath, OutputPath)]);
        }
        if (!Directory.Exists(InputPath))
            throw new FileNotFoundException($"IN '{InputPath}' is neither an image file nor a folder.");
        if (ComparePath is not null)
            throw new ArgumentException("--compare works on a single image, not a folder.");
        if (File.Exists(OutputPath))
            throw new ArgumentException($"IN is a folder, so OUT must be a folder too, but '{OutputPath}' is a file.");
        if (!Directory.Exists(OutputPath) && ImageFiles.WritableExtensions.Contains(Path.GetExtension(OutputPath).ToLowerInvariant()))
            throw new ArgumentException($"IN is a folder, so OUT must be a folder too, but '{OutputPath}' names an image file; " +
                                        $"give a folder (e.g. '{Path.ChangeExtension(OutputPath, null)}').");

        // With OUT inside IN, a rerun must not take the outputs of the last run for inputs.
        string outputRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(OutputPath)) + Path.DirectorySeparatorChar;
        bool sameFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(InputPath)) + Path.DirectorySeparatorChar == outputRoot;
        var inputs = Directory.EnumerateFiles(InputPath, "*", Recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => ImageFiles.ReadableExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Where(f => sameFolder || !Path.GetFullPath(f).StartsWith(outputRoot, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(InputPath, f))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (inputs.Count == 0)
            throw new FileNotFoundException($"No images ({string.Join(", ", ImageFiles.ReadableExtensions)}) in folder '{InputPath}'{(Recursive ? " or below it" : "")}.");
        var clash = inputs.GroupBy(f => Path.ChangeExtension(f, ".png"), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"{string.Join(" and ", clash)} would both be written to '{clash.Key}'; rename one.");
        if (Shard is (int index, int count))
            inputs = inputs.Where(f => ShardOf(f, count) == index).ToList();
        var jobs = RefuseInPlace(inputs.Select(f => (Path.Combine(InputPath, f), Path.Combine(OutputPath, Path.ChangeExtension(f, ".png")))).ToList());
        Directory.CreateDirectory(OutputPath);
        return jobs;
    }

    /// <summary>Whether two paths name one file (case-insensitively where the file system usually is).</summary>
    public static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b),
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>An output that is its own input would replace the original: only with --in-place.</summary>
    private List<(string Input, string Output)> RefuseInPlace(List<(string Input, string Output)> jobs)
    {
        var same = jobs.FirstOrDefault(j => SamePath(j.Input, j.Output));
        if (same.Input is not null && !InPlace)
            throw new ArgumentException($"'{same.Output}' is also an input: it would be replaced by its upscaled version. Give another OUT, or add --in-place.");
        return jobs;
    }
}
