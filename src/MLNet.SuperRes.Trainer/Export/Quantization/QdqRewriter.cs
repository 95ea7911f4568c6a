using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static MLNet.SuperRes.OnnxGraphs.OnnxGraphBuilder;
using DataType = Onnx.TensorProto.Types.DataType;
using MLNet.SuperRes.OnnxGraphs;

namespace MLNet.SuperRes.Trainer.Export.Quantization;

/// <summary>
/// Rewrites a float model's convolutions into the QDQ form ONNX Runtime fuses into QLinearConv (its u8s8
/// kernels, which use VNNI where the CPU has it):
/// <c>DQ(uint8 input, per tensor) -> Conv &lt;- DQ(int8 weight, per output channel, zero point 0)</c>, the bias
/// <c>DQ(int32, scale = input scale * weight scale[c])</c>, and the output <c>Q -> DQ</c>. A ReLU that is a
/// convolution's only consumer is folded into its output Q (zero point 0 clamps at 0 exactly as ReLU does),
/// so two convolutions around a ReLU pass uint8 between them. Everything else stays float: the residual
/// additions, the 1x1 convolutions (the attention's embeddings and the mean shifts), the RGB head and tail
/// (fewer than <see cref="MinChannels"/> channels), the attention's matmuls and the soft thresholding.
/// </summary>
internal static class QdqRewriter
{
    /// <summary>Convolutions with fewer input or output channels stay float.</summary>
    public const int MinChannels = 8;

    /// <summary>The convolutions that are quantized: kernel larger than 1x1, one group, weights (and bias) stored as initializers.</summary>
    public static IReadOnlyList<NodeProto> QuantizedConvs(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        return graph.Node.Where(node =>
        {
            if (node.OpType != "Conv" || node.Input.Count < 2 || !initializers.TryGetValue(node.Input[1], out var weight)) return false;
            if (node.Input.Count > 2 && !initializers.ContainsKey(node.Input[2])) return false;
            if (node.Attribute.FirstOrDefault(a => a.Name == "group") is { I: not 1 }) return false;
            var dims = weight.Dims;
            return dims.Count == 4 && dims[0] >= MinChannels && dims[1] >= MinChannels && dims[2] * dims[3] > 1;
        }).ToList();
    }

    /// <summary>
    /// The float values whose ranges the rewrite needs: each quantized convolution's input and its output
    /// (the ReLU's output where the ReLU is folded).
    /// </summary>
    public static IReadOnlyList<string> CalibratedValues(GraphProto graph)
    {
        var consumers = Consumers(graph);
        var values = new List<string>();
        foreach (var conv in QuantizedConvs(graph))
        {
            values.Add(conv.Input[0]);
            values.Add(QuantizedOutput(conv, consumers).Value);
        }
        return values.Distinct().ToList();
    }

    /// <summary>
    /// The quantized model: a copy of <paramref name="floatModel"/> with its convolutions in QDQ form, scaled by
    /// <paramref name="ranges"/> (one for every value of <see cref="CalibratedValues"/>).
    /// </summary>
    public static ModelProto Rewrite(ModelProto floatModel, IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        var model = floatModel.Clone();
        var graph = model.Graph;
        var convs = QuantizedConvs(graph).Select(n => n.Name).ToHashSet();
        var consumers = Consumers(graph);
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var names = new HashSet<string>(graph.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(initializers.Keys)
            .Concat(graph.Input.Select(i => i.Name)).Concat(graph.Output.Select(o => o.Name)), StringComparer.Ordinal);
        string Unique(string hint)
        {
            if (names.Add(hint)) return hint;
            for (int i = 1; ; i++) if (names.Add($"{hint}_{i}")) return $"{hint}_{i}";
        }
        ActivationRange RangeOf(string value) => ranges.TryGetValue(value, out var range) ? range
            : throw new InvalidOperationException($"Quantization: no calibrated range for '{value}'.");

        // Values available in uint8 form: the DQ output that stands for them and the Q's scale.
        var dequantized = new Dictionary<string, (string Value, float Scale)>(StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var folded = new HashSet<NodeProto>();
        var nodes = new List<NodeProto>();

        (string Value, float Scale) QuantizeDequantize(string value, string quantizedName, ActivationRange range)
        {
            var scale = AddScalar(graph, Unique($"{quantizedName}_scale"), range.Scale);
            var zeroPoint = AddInitializer(graph, Unique($"{quantizedName}_zero_point"), DataType.Uint8, [], [range.ZeroPoint]);
            var quantized = Unique($"{quantizedName}_quantized");
            var restored = Unique($"{quantizedName}_dequantized");
            nodes.Add(Node("QuantizeLinear", Unique($"{quantized}/QuantizeLinear"), [value, scale, zeroPoint], quantized));
            nodes.Add(Node("DequantizeLinear", Unique($"{restored}/DequantizeLinear"), [quantized, scale, zeroPoint], restored));
            return (restored, range.Scale);
        }

        foreach (var original in graph.Node)
        {
            if (folded.Contains(original)) continue;
            var node = original;
            for (int i = 0; i < node.Input.Count; i++)
                if (renamed.TryGetValue(node.Input[i], out var to)) node.Input[i] = to;
            if (!convs.Contains(node.Name)) { nodes.Add(node); continue; }

            string input = node.Input[0];
            if (!dequantized.TryGetValue(input, out var quantizedInput))
                dequantized[input] = quantizedInput = QuantizeDequantize(input, input, RangeOf(input));
            node.Input[0] = quantizedInput.Value;

            var weight = initializers[node.Input[1]];
            var (weightValue, weightScales) = QuantizedWeight(graph, weight, Unique, nodes);
            node.Input[1] = weightValue;
            if (node.Input.Count > 2)
                node.Input[2] = QuantizedBias(graph, initializers[node.Input[2]], quantizedInput.Scale, weightScales, Unique, nodes);
            nodes.Add(node);

            var (outputValue, relu) = QuantizedOutput(node, consumers);
            if (relu is not null) folded.Add(relu);
            var raw = node.Output[0];
            var restored = QuantizeDequantize(raw, outputValue, RangeOf(outputValue));
            renamed[outputValue] = restored.Value;
            dequantized[restored.Value] = restored;
        }

        foreach (var output in graph.Output)
            if (renamed.ContainsKey(output.Name))
                throw new NotSupportedException($"Quantization: graph output '{output.Name}' is a quantized convolution's output.");
        foreach (var initializer in initializers.Values.Where(i => !nodes.Any(n => n.Input.Contains(i.Name)) && !UsedBySubgraphs(graph, i.Name)))
            graph.Initializer.Remove(initializer);
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        return model;
    }

    /// <summary>The value a convolution's output Q covers: the output itself, or a ReLU's output when that ReLU is its only consumer.</summary>
    private static (string Value, NodeProto? Relu) QuantizedOutput(NodeProto conv, ILookup<string, NodeProto> consumers)
    {
        var readers = consumers[conv.Output[0]].ToList();
        return readers is [{ OpType: "Relu" } relu] ? (relu.Output[0], relu) : (conv.Output[0], null);
    }

    /// <summary>Int8 weights, one scale per output channel (max |w| / 127, zero point 0), behind a DequantizeLinear.</summary>
    private static (string Value, float[] Scales) QuantizedWeight(GraphProto graph, TensorProto weight, Func<string, string> unique, List<NodeProto> nodes)
    {
        var values = FloatsOf(weight);
        int channels = (int)weight.Dims[0], perChannel = values.Length / channels;
        var scales = new float[channels];
        var quantized = new byte[values.Length];
        for (int c = 0; c < channels; c++)
        {
            var channel = values.AsSpan(c * perChannel, perChannel);
            float max = 0f;
            foreach (var v in channel) max = MathF.Max(max, MathF.Abs(v));
            scales[c] = max > 0f ? max / 127f : 1f;
            for (int i = 0; i < perChannel; i++)
                quantized[c * perChannel + i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(channel[i] / scales[c]), -127f, 127f));
        }
        var q = AddInitializer(graph, unique($"{weight.Name}_quantized"), DataType.Int8, weight.Dims.ToArray(), quantized);
        var scale = AddFloats(graph, unique($"{weight.Name}_scale"), scales);
        var zeroPoint = AddInitializer(graph, unique($"{weight.Name}_zero_point"), DataType.Int8, [channels], new byte[channels]);
        var restored = unique($"{weight.Name}_dequantized");
        nodes.Add(Node("DequantizeLinear", unique($"{restored}/DequantizeLinear"), [q, scale, zeroPoint], restored, Attr("axis", 0L)));
        return (restored, scales);
    }

    /// <summary>Int32 bias at scale input scale * weight scale[c], zero point 0, behind a DequantizeLinear.</summary>
    private static string QuantizedBias(GraphProto graph, TensorProto bias, float inputScale, float[] weightScales, Func<string, string> unique, List<NodeProto> nodes)
    {
        var values = FloatsOf(bias);
        var scales = weightScales.Select(s => inputScale * s).ToArray();
        var quantized = new int[values.Length];
        for (int c = 0; c < values.Length; c++)
            quantized[c] = (int)Math.Clamp(Math.Round((double)values[c] / scales[c]), int.MinValue, int.MaxValue);
        var q = AddInitializer(graph, unique($"{bias.Name}_quantized"), DataType.Int32, [values.Length], MemoryMarshal.AsBytes(quantized.AsSpan()).ToArray());
        var scale = AddFloats(graph, unique($"{bias.Name}_scale"), scales);
        var zeroPoint = AddInitializer(graph, unique($"{bias.Name}_zero_point"), DataType.Int32, [values.Length], new byte[values.Length * sizeof(int)]);
        var restored = unique($"{bias.Name}_dequantized");
        nodes.Add(Node("DequantizeLinear", unique($"{restored}/DequantizeLinear"), [q, scale, zeroPoint], restored, Attr("axis", 0L)));
        return restored;
    }

    private static ILookup<string, NodeProto> Consumers(GraphProto graph) =>
        graph.Node.SelectMany(n => n.Input.Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node);

    private static bool UsedBySubgraphs(GraphProto graph, string name) =>
        graph.Node.SelectMany(n => n.Attribute).Where(a => a.G is not null).Any(a => Reads(a.G, name));

    private static bool Reads(GraphProto graph, string name) =>
        graph.Node.Any(n => n.Input.Contains(name) || n.Attribute.Where(a => a.G is not null).Any(a => Reads(a.G, name)));

    internal static float[] FloatsOf(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Float) throw new NotSupportedException($"Quantization: '{tensor.Name}' is not float32.");
        if (tensor.RawData.Length > 0) return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        return tensor.FloatData.ToArray();
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static string AddScalar(GraphProto graph, string name, float value) =>
        AddInitializer(graph, name, DataType.Float, [], BitConverter.GetBytes(value));

    private static string AddFloats(GraphProto graph, string name, float[] values) =>
        AddInitializer(graph, name, DataType.Float, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static string AddInitializer(GraphProto graph, string name, DataType type, long[] dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
        return name;
    }
}
