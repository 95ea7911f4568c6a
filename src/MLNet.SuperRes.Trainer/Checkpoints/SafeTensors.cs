using System.Buffers.Binary;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using MLNet.SuperRes.Files;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header
/// with dtype, shape and byte offsets of each tensor plus an optional string map
/// <c>__metadata__</c>, then the raw little-endian data).
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100 * 1024 * 1024;

    public static bool LooksLikeSafeTensors(ReadOnlySpan<byte> firstBytes) =>
        firstBytes.Length >= 9 && firstBytes[8] == (byte)'{'
        && BinaryPrimitives.ReadUInt64LittleEndian(firstBytes) is > 1 and < MaxHeaderBytes;

    /// <summary>Reads every tensor (on the CPU, in file order) and the metadata map.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"'{path}' is not a safetensors file: it is {bytes.Length} bytes long.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)Math.Min(bytes.Length - 8, MaxHeaderBytes))
            throw new InvalidDataException($"'{path}' is not a safetensors file: its header length ({headerLength}) exceeds the file.");

        JsonObject header;
        try { header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) as JsonObject ?? throw new InvalidOperationException("not an object"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        { throw new InvalidDataException($"'{path}' is not a safetensors file: its header is not a JSON object.", e); }

        long dataStart = 8 + (long)headerLength;
        // Tensors read before a bad entry is found are freed with the scope; the rest leave it with the result.
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                try
                {
                    foreach (var (key, value) in node!.AsObject()) metadata[key] = value?.GetValue<string>() ?? "";
                }
                catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
                {
                    throw new InvalidDataException($"'{path}' is not a valid safetensors file: its __metadata__ is not a map of strings.", e);
                }
                continue;
            }
            string dtype;
            long[] shape;
            long begin, end;
            try
            {
                var entry = node as JsonObject ?? throw new InvalidDataException("it is not a JSON object");
                dtype = Field(entry, "dtype").GetValue<string>();
                shape = Field(entry, "shape").AsArray().Select(d => d?.GetValue<long>() ?? throw new InvalidDataException("a dimension is null")).ToArray();
                var offsets = Field(entry, "data_offsets").AsArray();
                if (offsets.Count != 2) throw new InvalidDataException($"'data_offsets' has {offsets.Count} numbers, not 2");
                begin = offsets[0]?.GetValue<long>() ?? -1;
                end = offsets[1]?.GetValue<long>() ?? -1;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or OverflowException)
            {
                throw new InvalidDataException($"'{path}' is not a valid safetensors file: the header entry of tensor '{name}' is malformed ({e.Message}).", e);
            }
            if (shape.Any(d => d < 0))
                throw new InvalidDataException($"'{path}': tensor '{name}' has a negative dimension in its shape [{string.Join(", ", shape)}].");
            var (type, elementSize) = ParseDtype(dtype, name, path);
            long count;
            try { count = shape.Aggregate(1L, (p, d) => checked(p * d)); }
            catch (OverflowException) { throw new InvalidDataException($"'{path}': tensor '{name}' has an impossibly large shape [{string.Join(", ", shape)}]."); }
            if (begin < 0 || end < begin || dataStart + end > bytes.Length || end - begin != count * elementSize)
                throw new InvalidDataException($"'{path}': tensor '{name}' has data offsets [{begin}, {end}] that do not fit its shape [{string.Join(", ", shape)}] ({dtype}) or the file.");
            var t = empty(shape, type);
            t.bytes = bytes.AsSpan((int)(dataStart + begin), (int)(end - begin));
            tensors[name] = t;
        }
        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
        return (tensors, metadata);
    }

    /// <summary>Writes tensors (any device; any element type <see cref="Read"/> reads) and string metadata, atomically.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            using var scope = NewDisposeScope();
            var cpu = tensor.detach().cpu().contiguous();
            var blob = cpu.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = DtypeName(cpu.dtype, name),
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + blob.Length),
            };
            blobs.Add(blob);
            offset += blob.Length;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - headerBytes.Length % 8) % 8;
        AtomicFile.Write(path, stream =>
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
            stream.Write(length);
            stream.Write(headerBytes);
            for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
            foreach (var blob in blobs) stream.Write(blob);
        });
    }

    private static JsonNode Field(JsonObject entry, string name) =>
        entry[name] ?? throw new InvalidDataException($"it has no '{name}'");

    private static (ScalarType, int) ParseDtype(string dtype, string name, string path) => dtype switch
    {
        "F32" => (ScalarType.Float32, 4),
        "F64" => (ScalarType.Float64, 8),
        "F16" => (ScalarType.Float16, 2),
        "BF16" => (ScalarType.BFloat16, 2),
        "I64" => (ScalarType.Int64, 8),
        "I32" => (ScalarType.Int32, 4),
        "U8" => (ScalarType.Byte, 1),
        "BOOL" => (ScalarType.Bool, 1),
        _ => throw new InvalidDataException($"'{path}': tensor '{name}' has unsupported dtype '{dtype}'."),
    };

    private static string DtypeName(ScalarType type, string name) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"Tensor '{name}' has dtype {type}, which safetensors cannot store here."),
    };
}
