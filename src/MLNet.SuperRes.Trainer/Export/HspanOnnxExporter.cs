using System.Globalization;
using Google.Protobuf;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Engine.Attention;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using Onnx;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// Writes an HSPAN network as an ONNX model (opset 17) from its module structure: input
/// <c>input</c> float32 [N, 3, H, W] RGB in [0, 1], output <c>output</c> [N, 3, s*H, s*W] in the
/// same range, with N, H and W dynamic. Soft thresholding is exact (see <see cref="SoftThresholding.EmitOnnx"/>).
/// </summary>
public static class HspanOnnxExporter
{
    public const int Opset = 17;
    public const long IrVersion = 8;

    /// <summary>Builds the ONNX model and writes it to <paramref name="outputPath"/> (under a temporary name, then renamed).</summary>
    public static ModelProto Export(Hspan model, string outputPath, OnnxExportInfo info)
    {
        var proto = Build(model, info);
        AtomicFile.Write(outputPath, proto.WriteTo);
        return proto;
    }

    /// <summary>Builds the ONNX model in memory.</summary>
    public static ModelProto Build(Hspan model, OnnxExportInfo info)
    {
        var config = model.Config;
        if (config.NColors != 3)
            throw new NotSupportedException($"ONNX export takes RGB networks; this one has n_colors = {config.NColors}.");

        using var scope = NewDisposeScope(); // the emitters' float32 CPU copies of the weights
        var graph = new OnnxGraphBuilder("hspan");
        graph.Input(OnnxContract.InputName, TensorProto.Types.DataType.Float, "N", "3", "H", "W");
        var output = OnnxLayers.Emit(graph, model, OnnxContract.InputName, "");
        graph.RenameOutput(output, OnnxContract.OutputName);
        graph.Output(OnnxContract.OutputName, TensorProto.Types.DataType.Float, "N", "3", $"H*{config.Scale}", $"W*{config.Scale}");

        var proto = CreateModel(graph, Metadata(config, info));
        proto.DocString = "HSPAN super-resolution (Su et al., High-Similarity-Pass Attention for Single Image Super-Resolution) with exact soft thresholding.";
        return proto;
    }

    /// <summary>Wraps a finished graph into a model of this exporter's opset and IR version, with the functions it calls.</summary>
    public static ModelProto CreateModel(OnnxGraphBuilder graph, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var proto = CreateModel(graph.Graph, metadata);
        foreach (var function in graph.Functions)
        {
            proto.Functions.Add(function);
            if (!proto.OpsetImport.Any(o => o.Domain == function.Domain))
                proto.OpsetImport.Add(new OperatorSetIdProto { Domain = function.Domain, Version = AttentionKernel.Version });
        }
        return proto;
    }

    /// <summary>Wraps a finished graph into a model of this exporter's opset and IR version.</summary>
    public static ModelProto CreateModel(GraphProto graph, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = OnnxContract.ExporterValue,
            ProducerVersion = typeof(HspanOnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata ?? [])
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>The metadata_props an exported model carries.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Metadata(HspanConfig config, OnnxExportInfo info)
    {
        static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        var metadata = new List<KeyValuePair<string, string>>
        {
            new(OnnxContract.Architecture, OnnxContract.ArchitectureValue),
            new(OnnxContract.Scale, config.Scale.ToString(CultureInfo.InvariantCulture)),
            new(OnnxContract.TopK, config.TopK.ToString(CultureInfo.InvariantCulture)),
            new(OnnxContract.ResScale, Text(config.ResScale)),
            new(OnnxContract.NFeats, config.NFeats.ToString(CultureInfo.InvariantCulture)),
            new(OnnxContract.NResGroups, config.NResGroups.ToString(CultureInfo.InvariantCulture)),
            new(OnnxContract.NResBlocks, config.NResBlocks.ToString(CultureInfo.InvariantCulture)),
            new(OnnxContract.Reduction, config.Reduction.ToString(CultureInfo.InvariantCulture)),
            new(OnnxContract.RgbRange, Text(config.RgbRange)),
            new(OnnxContract.InputColorOrder, OnnxContract.InputColorOrderValue),
            new(OnnxContract.InputRange, OnnxContract.InputRangeValue),
            new(OnnxContract.Source, info.Source),
            new(OnnxContract.AttentionKernel, AttentionKernel.Version.ToString(CultureInfo.InvariantCulture)),
        };
        if (info.Iterations is long iterations)
            metadata.Add(new(OnnxContract.Iterations, iterations.ToString(CultureInfo.InvariantCulture)));
        metadata.Add(new(OnnxContract.Exporter, OnnxContract.ExporterValue));
        return metadata;
    }
}
