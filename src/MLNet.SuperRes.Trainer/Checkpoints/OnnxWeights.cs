using MLNet.SuperRes.Engine;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Export;
using Onnx;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Checkpoints;

/// <summary>
/// Reads the weights back out of an ONNX model written by the trainer's exporter, whose initializers
/// carry the state_dict names: an exported model (an embedded default, say) can then seed <c>train --init</c>,
/// be evaluated with TorchSharp, or be exported again. The configuration comes from the model's metadata.
/// </summary>
public static class OnnxWeights
{
    public static StateDictFile Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Reads the weights out of a model held in memory; <paramref name="path"/> names it in messages.</summary>
    public static StateDictFile Read(byte[] bytes, string path)
    {
        if (bytes.Length == 0) throw new InvalidDataException($"'{path}' is empty, not an ONNX model.");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"'{path}' is not a readable ONNX model: {e.Message}", e); }
        if (model.Graph is null) throw new InvalidDataException($"'{path}' is not an ONNX model: it holds no graph.");

        var metadata = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        if (metadata.GetValueOrDefault(OnnxContract.Exporter) != OnnxContract.ExporterValue)
            throw new InvalidDataException(
                $"'{path}' is an ONNX model, but not one written by {OnnxContract.ExporterValue}'s export verb; only those keep the " +
                "state_dict names its weights can be read back by.");

        if (metadata.TryGetValue(OnnxContract.Precision, out var precision))
            throw new InvalidDataException(
                $"'{path}' is quantized ({precision}); its weights cannot seed a float network. " +
                "Read the float32 model it was quantized from.");

        // Weights made before a bad one is found are freed with the scope; the rest leave it in the result.
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var initializer in model.Graph.Initializer)
        {
            if (initializer.Name.StartsWith(OnnxNames.ConstantPrefix, StringComparison.Ordinal)) continue; // the graph's own constants
            if (initializer.DataType != (int)TensorProto.Types.DataType.Float || initializer.RawData.Length == 0)
                throw new InvalidDataException($"'{path}': weight '{initializer.Name}' is not stored as raw float32 data.");
            long[] dims = initializer.Dims.ToArray();
            var values = new float[initializer.RawData.Length / sizeof(float)];
            initializer.RawData.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            var weight = tensor(values, dims);
            if (OnnxNames.IsPerChannelSlope(dims)) weight = weight.reshape(dims[0]);
            tensors[initializer.Name] = weight;
        }
        foreach (var node in model.Graph.Node.Where(n => n.OpType == "LeakyRelu"))
        {
            var alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")
                ?? throw new InvalidDataException($"'{path}': LeakyRelu node '{node.Name}' has no alpha.");
            tensors[OnnxNames.SharedSlopeKey(node.Output[0])] = tensor(new[] { alpha.F });
        }
        tensors.TryAdd("a", zeros(1)); // declared by the official model, never used, so not exported

        var saved = new Dictionary<string, string> { [HspanCheckpoint.FormatKey] = HspanCheckpoint.FormatName };
        if (metadata.TryGetValue(OnnxContract.TopK, out var topk) && metadata.TryGetValue(OnnxContract.ResScale, out var resScale))
        {
            var config = HspanCheckpoint.InferConfig(tensors, path) with
            {
                TopK = int.Parse(topk, CultureInfo.InvariantCulture),
                ResScale = double.Parse(resScale, CultureInfo.InvariantCulture),
            };
            saved[HspanCheckpoint.ConfigKey] = JsonSerializer.Serialize(config, CheckpointJson.Default.HspanConfig);
        }
        if (metadata.TryGetValue(OnnxContract.Iterations, out var iterations)) saved["iterations"] = iterations;
        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
        return new StateDictFile(path, tensors, saved);
    }
}
