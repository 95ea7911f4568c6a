using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using MLNet.SuperRes.Files;

namespace MLNet.SuperRes.Trainer.Checkpoints;

/// <summary>
/// <c>manifest.json</c> beside a snapshot's files: the size and SHA-256 of each, written last, so its
/// presence means the snapshot is complete and its hashes tell a damaged file from a good one.
/// </summary>
public static class FileManifest
{
    public const string FileName = "manifest.json";
    private const string Format = "mlnet-superres-snapshot";

    /// <summary>Hashes <paramref name="files"/> (names in <paramref name="folder"/>) and writes the manifest atomically.</summary>
    public static void Write(string folder, IEnumerable<string> files)
    {
        var entries = new JsonObject();
        foreach (var name in files)
        {
            var (length, hash) = Measure(Path.Combine(folder, name));
            entries[name] = new JsonObject { ["bytes"] = length, ["sha256"] = hash };
        }
        var manifest = new JsonObject { ["format"] = Format, ["files"] = entries };
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, FileName));

    /// <summary>
    /// Checks <paramref name="path"/> against the manifest of its folder when that manifest lists it;
    /// a file no manifest lists (an official checkpoint, an older snapshot) passes unchecked.
    /// </summary>
    /// <exception cref="InvalidDataException">The file differs from what was saved, or the manifest is unreadable.</exception>
    public static void VerifyIfListed(string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!, name = Path.GetFileName(path);
        var manifestPath = Path.Combine(folder, FileName);
        if (!File.Exists(manifestPath)) return;
        var expected = Read(manifestPath);
        if (expected is null || !expected.TryGetValue(name, out var entry)) return;
        if (!File.Exists(path)) throw new InvalidDataException($"'{path}' is missing, though '{manifestPath}' lists it.");
        var (length, hash) = Measure(path);
        if (length != entry.Bytes || hash != entry.Sha256)
            throw new InvalidDataException($"'{path}' is damaged: its size or SHA-256 differs from what '{manifestPath}' recorded when it was saved ({length} bytes, expected {entry.Bytes}).");
    }

    /// <summary>Checks every file the manifest of <paramref name="folder"/> lists.</summary>
    public static void VerifyAll(string folder)
    {
        var manifestPath = Path.Combine(folder, FileName);
        var entries = Read(manifestPath) ?? throw new InvalidDataException($"'{manifestPath}' is not a snapshot manifest of this trainer.");
        foreach (var name in entries.Keys) VerifyIfListed(Path.Combine(folder, name));
    }

    /// <summary>The manifest's entries, or null when the file is someone else's manifest.json (no format of ours).</summary>
    private static Dictionary<string, (long Bytes, string Sha256)>? Read(string manifestPath)
    {
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject ?? throw new InvalidDataException("it is not a JSON object"); }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            return null;
        }
        try
        {
            if (root["format"] is not JsonValue format || format.GetValueKind() != JsonValueKind.String || format.GetValue<string>() != Format) return null;
            return root["files"]!.AsObject().ToDictionary(
                kv => kv.Key,
                kv => (kv.Value!["bytes"]!.GetValue<long>(), kv.Value!["sha256"]!.GetValue<string>()));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"Snapshot manifest '{manifestPath}' is damaged: {e.Message}", e);
        }
    }

    private static (long Length, string Sha256) Measure(string path)
    {
        using var stream = File.OpenRead(path);
        return (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
