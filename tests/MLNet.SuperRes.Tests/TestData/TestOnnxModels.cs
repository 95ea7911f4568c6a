using Google.Protobuf;
using MLNet.SuperRes.OnnxGraphs;
using Onnx;
using static MLNet.SuperRes.OnnxGraphs.OnnxGraphBuilder;

namespace MLNet.SuperRes.Tests.TestData;

/// <summary>
/// Small real ONNX models with the HSPAN export contract (input 'input' float32 [N, 3, H, W], output
/// 'output' float32 [N, 3, sH, sW], 'scale' metadata), and variants that break it, written with the
/// exporter's <see cref="OnnxGraphBuilder"/>.
/// </summary>
public static class TestOnnxModels
{
    private const int Opset = 17;
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;

    /// <summary>
    /// input → Resize (nearest: pixel replication; or cubic) → optional per-channel gains → output.
    /// Nearest has no receptive field and commutes with flips and rotations.
    /// </summary>
    public static byte[] Resize(int scale, string mode = "nearest", bool scaleMetadata = true, float[]? channelGains = null,
        int metadataScale = 0)
    {
        var graph = ImageGraph($"resize_{mode}_x{scale}", "input");
        AttributeProto[] attributes = mode == "nearest"
            ? [Attr("mode", mode), Attr("coordinate_transformation_mode", "asymmetric"), Attr("nearest_mode", "floor")]
            : [Attr("mode", mode)];
        var resizeInputs = new[] { "input", "", graph.FloatConstant([1f, 1f, scale, scale], 4) };
        if (channelGains is null)
            graph.NodeNamed("Resize", "output", resizeInputs, attributes);
        else
            graph.NodeNamed("Mul", "output", [graph.Node("Resize", "resized", resizeInputs, attributes), graph.FloatConstant(channelGains, 1, 3, 1, 1)]);
        graph.Output("output", Float, "N", "3", "sH", "sW");
        var metadata = new Dictionary<string, string> { ["architecture"] = "test-resize", ["input_color_order"] = "RGB" };
        if (scaleMetadata)
            metadata["scale"] = (metadataScale == 0 ? scale : metadataScale).ToString();
        return Serialize(graph, metadata);
    }

    /// <summary>
    /// A smooth learned-upscaler look-alike with a spatial receptive field of 7 pixels: a 5x5 binomial blur
    /// per channel, then a 3x3 convolution giving s² bilinear sub-pixel phases, then DepthToSpace. Zero
    /// padding darkens the borders of whatever it runs on, so tile seams show unless they are blended.
    /// With <paramref name="asymmetric"/>, the blur is shifted by one pixel, so flips change the result.
    /// </summary>
    public static byte[] ConvUpscaler(int scale, bool asymmetric = false)
    {
        float[] binomial = [1 / 16f, 4 / 16f, 6 / 16f, 4 / 16f, 1 / 16f];
        float[] blurRow = asymmetric ? [0f, 1 / 16f, 4 / 16f, 6 / 16f, 5 / 16f] : binomial;
        var blur = new float[3 * 25];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 5; x++)
                    blur[c * 25 + y * 5 + x] = binomial[y] * blurRow[x];

        var phases = new float[3 * scale * scale * 9];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < scale; i++)
                for (int j = 0; j < scale; j++)
                {
                    float[] wy = LinearTaps((i + 0.5f) / scale - 0.5f);
                    float[] wx = LinearTaps((j + 0.5f) / scale - 0.5f);
                    int channel = c * scale * scale + i * scale + j;
                    for (int y = 0; y < 3; y++)
                        for (int x = 0; x < 3; x++)
                            phases[channel * 9 + y * 3 + x] = wy[y] * wx[x];
                }

        var graph = ImageGraph($"conv_upscaler_x{scale}", "input");
        var blurred = graph.Node("Conv", "blurred", ["input", graph.Weight("blur_weight", [3, 1, 5, 5], blur)],
            Attr("group", 3L), Ints("pads", 2, 2, 2, 2), Ints("kernel_shape", 5, 5));
        var phased = graph.Node("Conv", "phases", [blurred, graph.Weight("phase_weight", [3 * scale * scale, 1, 3, 3], phases)],
            Attr("group", 3L), Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3));
        graph.NodeNamed("DepthToSpace", "output", [phased], Attr("blocksize", (long)scale), Attr("mode", "CRD"));
        graph.Output("output", Float, "N", "3", "sH", "sW");
        return Serialize(graph, new Dictionary<string, string>
        {
            ["architecture"] = "test-conv",
            ["scale"] = scale.ToString(),
            ["input_color_order"] = "RGB",
        });
    }

    /// <summary>
    /// A plain deep convolutional upscaler (EDSR-baseline shape with random weights): a 3x3 head to
    /// <paramref name="features"/> channels, <paramref name="layers"/> 3x3 conv + ReLU, a 3x3 tail to 3s²
    /// channels, DepthToSpace, plus the nearest-upscaled input as a global skip. Its cost per pixel is that
    /// of a real super-resolution network, which is what benchmarks need.
    /// </summary>
    public static byte[] DeepConvUpscaler(int scale, int features = 64, int layers = 16, int seed = 1)
    {
        var random = new Random(seed);
        float[] Weights(int outChannels, int inChannels, float gain)
        {
            float std = gain * MathF.Sqrt(2f / (9 * inChannels));
            var w = new float[outChannels * inChannels * 9];
            for (int i = 0; i < w.Length; i++)
            {
                // Box-Muller normal sample.
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                w[i] = std * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
            return w;
        }

        var graph = ImageGraph($"deep_conv_x{scale}", "input");
        AttributeProto[] conv3x3 = [Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3)];
        var body = graph.Node("Conv", "body", ["input", graph.Weight("head_weight", [features, 3, 3, 3], Weights(features, 3, 1f))], conv3x3);
        for (int i = 0; i < layers; i++)
        {
            var conv = graph.Node("Conv", $"body_conv_{i}",
                [body, graph.Weight($"body_weight_{i}", [features, features, 3, 3], Weights(features, features, 0.5f))], conv3x3);
            body = graph.Node("Relu", $"body_{i + 1}", [conv]);
        }
        var tail = graph.Node("Conv", "tail", [body, graph.Weight("tail_weight", [3 * scale * scale, features, 3, 3], Weights(3 * scale * scale, features, 0.05f))], conv3x3);
        var residual = graph.Node("DepthToSpace", "residual", [tail], Attr("blocksize", (long)scale), Attr("mode", "CRD"));
        var upscaled = graph.Node("Resize", "upscaled", ["input", "", graph.FloatConstant([1f, 1f, scale, scale], 4)], Attr("mode", "nearest"),
            Attr("coordinate_transformation_mode", "asymmetric"), Attr("nearest_mode", "floor"));
        graph.NodeNamed("Add", "output", [upscaled, residual]);
        graph.Output("output", Float, "N", "3", "sH", "sW");
        return Serialize(graph, new Dictionary<string, string>
        {
            ["architecture"] = "test-deep-conv",
            ["scale"] = scale.ToString(),
            ["input_color_order"] = "RGB",
        });
    }

    /// <summary>
    /// A model of "another architecture": nearest-neighbour x<paramref name="scale"/> under its own input and
    /// output names, optionally with a fixed input size, an identity that fails unless H and W are multiples of
    /// <paramref name="blockMultiple"/> (SpaceToDepth then DepthToSpace), per-channel gains and a bias (in the
    /// model's own value units), and the given metadata only.
    /// </summary>
    public static byte[] OtherModel(int scale, string inputName = "lr", string outputName = "sr", int channels = 3, int? fixedSide = null,
        int blockMultiple = 1, float[]? gains = null, float bias = 0, IDictionary<string, string>? metadata = null, float[]? scales = null)
    {
        var graph = new OnnxGraphBuilder("other_model");
        string[] inputDims = fixedSide is int side ? ["1", $"{channels}", $"{side}", $"{side}"] : ["N", $"{channels}", "H", "W"];
        graph.Input(inputName, Float, inputDims);
        string current = inputName;
        if (blockMultiple > 1)
        {
            var blocks = graph.Node("SpaceToDepth", "blocks", [current], Attr("blocksize", (long)blockMultiple));
            current = graph.Node("DepthToSpace", "unblocked", [blocks], Attr("blocksize", (long)blockMultiple));
        }
        var resized = graph.Node("Resize", "resized", [current, "", graph.FloatConstant(scales ?? [1f, 1f, scale, scale], 4)],
            Attr("mode", "nearest"), Attr("coordinate_transformation_mode", "asymmetric"), Attr("nearest_mode", "floor"));
        var gained = graph.Node("Mul", "gained", [resized, graph.FloatConstant(gains ?? Enumerable.Repeat(1f, channels).ToArray(), 1, channels, 1, 1)]);
        graph.NodeNamed("Add", outputName, [gained, graph.FloatConstant([bias], 1)]);
        graph.Output(outputName, Float, fixedSide is int outSide
            ? ["1", $"{channels}", $"{outSide * scale}", $"{outSide * scale}"] : ["N", $"{channels}", "sH", "sW"]);
        return Serialize(graph, metadata ?? new Dictionary<string, string>());
    }

    /// <summary>A model with two image inputs added together, then upscaled: not single-image.</summary>
    public static byte[] TwoInputs()
    {
        var graph = ImageGraph("two_inputs", "a");
        graph.Input("b", Float, "N", "3", "H", "W");
        var sum = graph.Node("Add", "sum", ["a", "b"]);
        graph.NodeNamed("Resize", "out", [sum, "", graph.FloatConstant([1f, 1f, 2f, 2f], 4)], Attr("mode", "nearest"));
        graph.Output("out", Float, "N", "3", "sH", "sW");
        return Serialize(graph, new Dictionary<string, string>());
    }

    /// <summary>A model taking an int64 tensor: not an image model.</summary>
    public static byte[] IntegerInput()
    {
        var graph = new OnnxGraphBuilder("integer_input");
        graph.Input("tokens", TensorProto.Types.DataType.Int64, "N", "L");
        graph.NodeNamed("Cast", "out", ["tokens"], Attr("to", (long)Float));
        graph.Output("out", Float, "N", "L");
        return Serialize(graph, new Dictionary<string, string>());
    }

    /// <summary>Writes <paramref name="bytes"/> to a new temporary .onnx file and returns its path.</summary>
    public static string WriteTemporary(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-superres-test-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static float[] LinearTaps(float offset) =>
        [MathF.Max(0, 1 - MathF.Abs(-1 - offset)), MathF.Max(0, 1 - MathF.Abs(offset)), MathF.Max(0, 1 - MathF.Abs(1 - offset))];

    /// <summary>A graph whose first input is a float32 [N, 3, H, W] image named <paramref name="input"/>.</summary>
    private static OnnxGraphBuilder ImageGraph(string name, string input)
    {
        var graph = new OnnxGraphBuilder(name);
        graph.Input(input, Float, "N", "3", "H", "W");
        return graph;
    }

    private static byte[] Serialize(OnnxGraphBuilder graph, IDictionary<string, string> metadata)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "MLNet.SuperRes.Tests", Graph = graph.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        using var stream = new MemoryStream();
        model.WriteTo(stream);
        return stream.ToArray();
    }
}
