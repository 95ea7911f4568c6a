using System.IO.Compression;
using System.IO.Hashing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Persistence;

/// <summary>
/// Loads a saved ML.NET model and proves, before it is used, that the stages of ours in it are intact:
/// every zip entry matches its CRC-32 (ML.NET does not check), and each SuperResolve and LoadImagesChecked
/// stage's stored settings parse, with the ONNX model matching its SHA-256 and signature. A damaged file
/// is refused here, naming the stage, instead of at the first prediction.
/// </summary>
internal static class SavedModelCheck
{
    /// <summary>
    /// Loads, checks, and gives back the pipeline with each SuperResolve stage restored as the fitted
    /// <see cref="SuperResolutionTransformer"/> it was saved from (same errors, naming column and row), so disposing the
    /// returned chain releases their ONNX Runtime sessions. Stages saved before their columns were recorded stay as loaded.
    /// </summary>
    public static TransformerChain<ITransformer> Load(MLContext mlContext, Stream stream, string name, out DataViewSchema inputSchema)
    {
        mlContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly);
        var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        CheckEntries(bytes, name);

        ITransformer model;
        try
        {
            bytes.Position = 0;
            model = mlContext.Model.Load(bytes, out inputSchema);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IOException or InvalidDataException)
        {
            throw new InvalidDataException($"The saved model '{name}' could not be loaded: {e.GetBaseException().Message} (ML.NET: {e.Message}).", e);
        }
        var opened = new List<SuperResolutionTransformer>();
        try
        {
            var restored = CheckAndRestore(model, inputSchema, name, "", opened, out _);
            return restored as TransformerChain<ITransformer> ?? new TransformerChain<ITransformer>(restored);
        }
        catch
        {
            foreach (var stage in opened)
                stage.Dispose();
            throw;
        }
    }

    private static void CheckEntries(MemoryStream bytes, string name)
    {
        ZipArchive zip;
        IReadOnlyList<ZipArchiveEntry> entries;
        try
        {
            bytes.Position = 0;
            zip = new ZipArchive(bytes, ZipArchiveMode.Read, leaveOpen: true);
            entries = zip.Entries;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{name}' is not a saved ML.NET model, or its zip directory is damaged ({e.Message}).", e);
        }
        using (zip)
            foreach (var entry in entries)
            {
                var crc = new Crc32();
                try
                {
                    using var content = entry.Open();
                    crc.Append(content);
                }
                catch (InvalidDataException e)
                {
                    throw Damaged(name, entry.FullName, e.Message, e);
                }
                if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
                    throw Damaged(name, entry.FullName, "its CRC-32 does not match", null);
            }
    }

    private static InvalidDataException Damaged(string name, string entry, string why, Exception? inner) =>
        new($"The saved model '{name}' is damaged: {StageOf(entry)}, entry '{entry}': {why.TrimEnd('.')}.", inner);

    /// <summary>"transformer 2 of the pipeline" from an entry path like TransformerChain/Transform_001/...</summary>
    private static string StageOf(string entry)
    {
        var indices = entry.Split('/').Where(p => p.StartsWith("Transform_", StringComparison.Ordinal))
            .Select(p => int.TryParse(p["Transform_".Length..], out int i) ? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")
            .ToList();
        return indices.Count == 0 ? "the pipeline's header" : $"stage {string.Join(".", indices)} of the pipeline";
    }

    /// <summary>
    /// Walks the chain with its schema, finding our settings stages by the column they add, checking each, and gives
    /// <paramref name="transformer"/> back with every saved SuperResolve chain replaced by the fitted transformer its
    /// settings describe (unchanged where there is none); <paramref name="output"/> is its output schema.
    /// </summary>
    private static ITransformer CheckAndRestore(ITransformer transformer, DataViewSchema schema, string name, string position,
        List<SuperResolutionTransformer> opened, out DataViewSchema output)
    {
        if (transformer is not IEnumerable<ITransformer> chain)
        {
            output = transformer.GetOutputSchema(schema);
            return transformer;
        }
        var stages = new List<ITransformer>();
        PersistedSettings? saved = null;
        int index = 0;
        output = schema;
        foreach (var stage in chain)
        {
            string at = position.Length == 0 ? $"{++index}" : $"{position}.{++index}";
            var restored = CheckAndRestore(stage, output, name, at, opened, out var next);
            if (restored is not IEnumerable<ITransformer>
                && next.GetColumnOrNull(SavedPipeline.SettingsColumn) is not null && output.GetColumnOrNull(SavedPipeline.SettingsColumn) is null)
                saved = CheckSettings(restored, name, at);
            stages.Add(restored);
            output = next;
        }
        if (saved is { InputColumnName: { } input, OutputColumnName: { } outputName } && schema.GetColumnOrNull(input) is { } column)
        {
            var fitted = new SuperResolutionTransformer(new SuperResolver(saved.Model, saved.Options), outputName, input, column.Type);
            opened.Add(fitted);
            return fitted;
        }
        return stages.Zip(chain).All(pair => ReferenceEquals(pair.First, pair.Second))
            ? transformer : new TransformerChain<ITransformer>(stages.ToArray());
    }

    /// <summary>The settings text a saved stage's settings stage (MapValue of the constant key) gives.</summary>
    private static string ReadSettings(ITransformer settingsStage)
    {
        var mlContext = new MLContext();
        var key = mlContext.Data.LoadFromEnumerable(new[] { new SettingsKeyRow { Key = SavedPipeline.SettingsKey } });
        var values = settingsStage.Transform(key);
        using var cursor = values.GetRowCursor(values.Schema);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(values.Schema[SavedPipeline.SettingsColumn]);
        ReadOnlyMemory<char> text = default;
        if (!cursor.MoveNext())
            throw new InvalidDataException("it has no settings");
        getter(ref text);
        return text.ToString();
    }

    /// <summary>Checks a settings stage; gives a SuperResolve stage's settings, null for a LoadImagesChecked one.</summary>
    private static PersistedSettings? CheckSettings(ITransformer settingsStage, string name, string position)
    {
        string settings;
        try
        {
            settings = ReadSettings(settingsStage);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"The saved model '{name}' is damaged: the settings of stage {position} cannot be read ({e.Message}).", e);
        }

        bool isLoader = settings.StartsWith(CheckedImageLoadingEstimator.Settings.FormatLine, StringComparison.Ordinal);
        try
        {
            if (isLoader)
            {
                CheckedImageLoadingEstimator.Settings.Parse(settings);
                return null;
            }
            var parsed = PersistedSettings.Parse(settings);
            SuperResolver.Validate(parsed.Options);
            using var session = Engine.SuperResolutionSession.Open(parsed.Model, parsed.Options, validateOnly: true);
            return parsed;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException or ArgumentException
                                      && e.InnerException is not (DllNotFoundException or TypeInitializationException))
        {
            string kind = isLoader ? "LoadImagesChecked" : "SuperResolve";
            throw new InvalidDataException($"The saved model '{name}' is damaged: its {kind} stage (stage {position} of the pipeline): {e.Message}", e);
        }
    }
}
