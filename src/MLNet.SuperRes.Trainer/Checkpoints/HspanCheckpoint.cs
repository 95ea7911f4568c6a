using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MLNet.SuperRes.Trainer.Archs;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Checkpoints;

/// <summary>
/// A state_dict read from a file, with the metadata our own checkpoints carry (empty for official ones).
/// It owns its tensors: dispose it once they are copied where they are needed.
/// </summary>
public sealed record StateDictFile(string Path, Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) : IDisposable
{
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
    }
}

/// <summary>
/// Loads and saves HSPAN weights: official PyTorch <c>torch.save(model.state_dict())</c> files,
/// plain .safetensors state_dicts, and our own checkpoints (safetensors whose metadata holds the
/// configuration, so the file alone rebuilds the model). Loading is strict: a missing, unexpected
/// or wrongly shaped tensor is refused by name and nothing is half-loaded.
/// </summary>
public static partial class HspanCheckpoint
{
    public const string FormatName = "mlnet-superres-hspan";
    public const string FormatKey = "format";
    public const string ConfigKey = "config";

    /// <summary>
    /// Reads a state_dict from a .pt (PyTorch zip format) or .safetensors file, recognised by content, or
    /// from an .onnx model written by this trainer's exporter (<see cref="OnnxWeights"/>).
    /// </summary>
    public static StateDictFile Read(string path)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' is a folder, not a file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint file '{path}' does not exist.", path);
        FileManifest.VerifyIfListed(path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return OnnxWeights.Read(path);
        var head = new byte[16];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var first = head.AsSpan(0, read);

        if (first.StartsWith("PK\u0003\u0004"u8))
        {
            if (!ZipHoldsPickle(path))
                throw new InvalidDataException($"Checkpoint '{path}' is a zip file but not a PyTorch checkpoint: it holds no data.pkl.");
            // What the unpickler made is freed with the scope unless it is returned.
            using var scope = NewDisposeScope();
            Hashtable table;
            try { table = PyTorchUnpickler.UnpickleStateDict(path); }
            catch (Exception e) { throw new InvalidDataException($"Checkpoint '{path}' is a zip file but not a readable PyTorch state_dict: {e.Message}", e); }
            var tensors = new Dictionary<string, Tensor>();
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Value is not Tensor t)
                    throw new InvalidDataException($"Checkpoint '{path}': entry '{entry.Key}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor. Save the model's state_dict() itself, not a training checkpoint dictionary.");
                tensors[(string)entry.Key] = t;
            }
            foreach (var t in tensors.Values) t.DetachFromDisposeScope();
            return new StateDictFile(path, tensors, new Dictionary<string, string>());
        }
        if (SafeTensors.LooksLikeSafeTensors(first))
        {
            var (tensors, metadata) = SafeTensors.Read(path);
            return new StateDictFile(path, tensors, metadata);
        }
        if (read >= 2 && first[0] == 0x80)
            throw new InvalidDataException($"Checkpoint '{path}' uses PyTorch's legacy (pre-1.6) serialization. Re-save it with torch.save(state_dict, file) from a current PyTorch.");
        throw new InvalidDataException($"Checkpoint '{path}' is neither a PyTorch .pt (zip) file nor a .safetensors file (nor, by its name, an .onnx model).");
    }

    private static bool ZipHoldsPickle(string path)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            return zip.Entries.Any(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        }
        catch (InvalidDataException e) { throw new InvalidDataException($"Checkpoint '{path}' is a damaged zip file: {e.Message}", e); }
    }

    /// <summary>
    /// Loads a model. Structure (n_feats, n_resgroups, n_resblocks, reduction, scale, n_colors,
    /// rgb_range) comes from the tensors; topk and res_scale come from the arguments when given,
    /// else from our checkpoint's metadata, else the paper's defaults (128, 0.1).
    /// </summary>
    public static Hspan Load(string path, int? topk = null, double? resScale = null)
    {
        using var file = Read(path);
        return Load(file, topk, resScale);
    }

    /// <summary>Builds the model a state_dict already read describes, as <see cref="Load(string, int?, double?)"/> does; the file stays the caller's.</summary>
    public static Hspan Load(StateDictFile file, int? topk = null, double? resScale = null)
    {
        var config = ConfigFor(file, topk, resScale);
        var model = new Hspan(config);
        try
        {
            LoadStateDict(model, file.Tensors, file.Path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The configuration a file describes, as <see cref="Load"/> resolves it.</summary>
    public static HspanConfig ConfigFor(StateDictFile file, int? topk = null, double? resScale = null)
    {
        var saved = SavedConfig(file);
        var inferred = InferConfig(file.Tensors, file.Path);
        if (saved is not null && saved with { TopK = 0, ResScale = 0 } != inferred with { TopK = 0, ResScale = 0 })
            throw new InvalidDataException($"Checkpoint '{file.Path}': its recorded configuration {saved} does not match its tensors, which describe {inferred}.");
        return inferred with
        {
            TopK = topk ?? saved?.TopK ?? new HspanConfig().TopK,
            ResScale = resScale ?? saved?.ResScale ?? new HspanConfig().ResScale,
        };
    }

    public static HspanConfig? SavedConfig(StateDictFile file) =>
        file.Metadata.TryGetValue(ConfigKey, out var json) ? JsonSerializer.Deserialize(json, CheckpointJson.Default.HspanConfig) : null;

    /// <summary>Infers the network's structure from the official state_dict names and shapes.</summary>
    public static HspanConfig InferConfig(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        Tensor Need(string key) => tensors.TryGetValue(key, out var t) ? t
            : throw new InvalidDataException($"Checkpoint '{source}' is not an HSPAN state_dict: it has no tensor '{key}'.");

        var headWeight = Need("head.0.weight");
        int feats = (int)headWeight.shape[0], colors = (int)headWeight.shape[1];

        int groups = tensors.Keys.Select(k => GroupKey().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        if (groups < 1) throw new InvalidDataException($"Checkpoint '{source}' is not an HSPAN state_dict: it has no residual groups ('body.0.body...').");

        // By the highest LEB index rather than a count, so that one missing tensor is reported as missing, not as another structure.
        int blocks = tensors.Keys.Select(k => LebKey().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        var match = Need($"body.0.body.{blocks}.conv_match1.0.weight");
        int reduction = Math.Max(1, feats / (int)Math.Max(1, match.shape[0]));

        int scale;
        var firstUp = Need("tail.0.0.weight");
        if (firstUp.shape[0] == 9 * feats) scale = 3;
        else
        {
            int steps = tensors.Keys.Count(k => UpsampleKey().IsMatch(k));
            scale = 1 << steps;
        }

        double rgbRange = 1;
        if (tensors.TryGetValue("sub_mean.bias", out var subBias) && subBias.numel() == 3)
        {
            using var scope = NewDisposeScope();
            double b = subBias.to(ScalarType.Float64).cpu()[0].item<double>();
            rgbRange = Math.Round(-b / MeanShift.Div2kRgbMean[0], 6);
            if (rgbRange <= 0) rgbRange = 1;
        }

        return new HspanConfig
        {
            NResGroups = groups, NResBlocks = blocks, NFeats = feats, Reduction = reduction,
            Scale = scale, NColors = colors, RgbRange = rgbRange,
        };
    }

    /// <summary>
    /// Copies a state_dict into a model. All problems are found before anything is copied and
    /// reported together: missing keys, unexpected keys, shape mismatches. The official model's
    /// unused scalar <c>a</c> may be absent.
    /// </summary>
    public static void LoadStateDict(Hspan model, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        using var scope = NewDisposeScope();
        var own = model.state_dict();
        var missing = own.Keys.Where(k => !tensors.ContainsKey(k) && k != "a").ToList();
        var unexpected = tensors.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misshapen = own.Where(kv => tensors.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} (checkpoint [{string.Join(", ", tensors[kv.Key].shape)}], model [{string.Join(", ", kv.Value.shape)}])")
            .ToList();
        if (missing.Count + unexpected.Count + misshapen.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"missing: {string.Join(", ", missing)}");
            if (unexpected.Count > 0) problems.Add($"unexpected: {string.Join(", ", unexpected)}");
            if (misshapen.Count > 0) problems.Add($"wrong shape: {string.Join(", ", misshapen)}");
            throw new InvalidDataException($"Checkpoint '{source}' does not fit an HSPAN with {model.Config}; nothing was loaded. {string.Join("; ", problems)}.");
        }
        using var _ = no_grad();
        foreach (var (key, target) in own)
            if (tensors.TryGetValue(key, out var value))
                target.copy_(value.to(target.dtype, target.device));
    }

    /// <summary>Saves weights with official key names plus the configuration and any extra metadata.</summary>
    public static void Save(Hspan model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = FormatName,
            [ConfigKey] = JsonSerializer.Serialize(model.Config, CheckpointJson.Default.HspanConfig),
        };
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata[k] = v;
        using var scope = NewDisposeScope();
        SafeTensors.Write(path, model.state_dict(), metadata);
    }

    [GeneratedRegex(@"^body\.(\d+)\.body\.")]
    private static partial Regex GroupKey();

    [GeneratedRegex(@"^body\.0\.body\.(\d+)\.body\.[02]\.(?:weight|bias)$")]
    private static partial Regex LebKey();

    [GeneratedRegex(@"^tail\.0\.\d+\.weight$")]
    private static partial Regex UpsampleKey();
}
