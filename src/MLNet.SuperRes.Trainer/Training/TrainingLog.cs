using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>One line of log.jsonl: a logged iteration (loss, learning rate, speed) or a validation (PSNR).</summary>
public sealed record TrainingLogEntry(long Iteration, double? Loss, double? LearningRate, double? IterationsPerSecond, double? ValidationPsnr);

/// <summary>
/// A run's history as JSON lines in <c>log.jsonl</c> beside its checkpoints: appended as training goes
/// (a resumed run goes on appending), each line flushed whole. A line cut short by a kill is skipped on
/// reading, as are entries past a resume point that a rerun repeats (the later one wins).
/// </summary>
public sealed class TrainingLog(string folder)
{
    public const string FileName = "log.jsonl";

    public string Path { get; } = System.IO.Path.Combine(folder, FileName);

    public void Iteration(long iteration, double loss, double learningRate, double iterationsPerSecond) =>
        Append(new JsonObject
        {
            ["iteration"] = iteration,
            ["loss"] = Finite(loss),
            ["lr"] = learningRate,
            ["it_per_s"] = Finite(iterationsPerSecond),
            ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        });

    public void Validation(long iteration, double psnr) =>
        Append(new JsonObject
        {
            ["iteration"] = iteration,
            ["val_psnr"] = Finite(psnr),
            ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        });

    /// <summary>Every readable entry, in file order.</summary>
    public IReadOnlyList<TrainingLogEntry> Read()
    {
        var entries = new List<TrainingLogEntry>();
        if (!File.Exists(Path)) return entries;
        foreach (string line in File.ReadLines(Path))
        {
            try
            {
                if (JsonNode.Parse(line) is not JsonObject o || o["iteration"] is null) continue;
                entries.Add(new TrainingLogEntry(o["iteration"]!.GetValue<long>(), Number(o, "loss"), Number(o, "lr"), Number(o, "it_per_s"), Number(o, "val_psnr")));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                // a line cut short by a kill
            }
        }
        return entries;
    }

    private static double? Number(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out double d) ? d : null;

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private void Append(JsonObject entry)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        // After a kill mid-line the file ends without a newline: start a fresh line, so only the cut one is lost.
        bool cutShort = false;
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            cutShort = stream.ReadByte() != '\n';
        }
        stream.Seek(0, SeekOrigin.End);
        using var writer = new StreamWriter(stream);
        writer.Write((cutShort ? "\n" : "") + entry.ToJsonString() + "\n");
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }
}
