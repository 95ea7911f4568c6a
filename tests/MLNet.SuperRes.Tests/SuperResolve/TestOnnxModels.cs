using Google.Protobuf;
using Onnx;

namespace MLNet.SuperRes.Tests.SuperResolve;

/// <summary>
/// Small real ONNX models with the HSPAN export contract (input 'input' float32 [N, 3, H, W], output
/// 'output' float32 [N, 3, sH, sW], 'scale' metadata), and variants that break it, built with OnnxSharp's
/// protobuf classes.
/// </summary>
public static class TestOnnxModels
{
    private const int Opset = 17;
    private const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>
    /// input → Resize (nearest: pixel replication; or cubic) → optional per-channel gains → output.
    /// Nearest has no receptive field and commutes with flips and rotations.
    /// </summary>
    public static byte[] Resize(int scale, string mode = "nearest", bool scaleMetadata = true, float[]? channelGains = null,
        int metadataScale = 0)
    {
        var graph = new GraphProto { Name = $"resize_{mode}_x{scale}" };
        graph.Initializer.Add(FloatTensor("scales", [4], [1f, 1f, scale, scale]));
        string resized = channelGains is null ? "output" : "resized";
        var resize = Node("Resize", ["input", "", "scales"], [resized], StringAttribute("mode", mode));
        if (mode == "nearest")
        {
            resize.Attribute.Add(StringAttribute("coordinate_transformation_mode", "asymmetric"));
            resize.Attribute.Add(StringAttribute("nearest_mode", "floor"));
        }
        graph.Node.Add(resize);
        if (channelGains is not null)
        {
            graph.Initializer.Add(FloatTensor("gains", [1, 3, 1, 1], channelGains));
            graph.Node.Add(Node("Mul", [resized, "gains"], ["output"]));
        }
        graph.Input.Add(ImageTensor("input", 3, "N", "H", "W"));
        graph.Output.Add(ImageTensor("output", 3, "N", "sH", "sW"));
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

        var graph = new GraphProto { Name = $"conv_upscaler_x{scale}" };
        graph.Initializer.Add(FloatTensor("blur_weight", [3, 1, 5, 5], blur));
        graph.Initializer.Add(FloatTensor("phase_weight", [3 * scale * scale, 1, 3, 3], phases));
        graph.Node.Add(Node("Conv", ["input", "blur_weight"], ["blurred"],
            IntAttribute("group", 3), IntsAttribute("pads", 2, 2, 2, 2), IntsAttribute("kernel_shape", 5, 5)));
        graph.Node.Add(Node("Conv", ["blurred", "phase_weight"], ["phases"],
            IntAttribute("group", 3), IntsAttribute("pads", 1, 1, 1, 1), IntsAttribute("kernel_shape", 3, 3)));
        graph.Node.Add(Node("DepthToSpace", ["phases"], ["output"], IntAttribute("blocksize", scale), StringAttribute("mode", "CRD")));
        graph.Input.Add(ImageTensor("input", 3, "N", "H", "W"));
        graph.Output.Add(ImageTensor("output", 3, "N", "sH", "sW"));
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

        var graph = new GraphProto { Name = $"deep_conv_x{scale}" };
        AttributeProto[] Conv3x3() => [IntsAttribute("pads", 1, 1, 1, 1), IntsAttribute("kernel_shape", 3, 3)];
        graph.Initializer.Add(FloatTensor("head_weight", [features, 3, 3, 3], Weights(features, 3, 1f)));
        graph.Node.Add(Node("Conv", ["input", "head_weight"], ["body_0"], Conv3x3()));
        for (int i = 0; i < layers; i++)
        {
            graph.Initializer.Add(FloatTensor($"body_weight_{i}", [features, features, 3, 3], Weights(features, features, 0.5f)));
            graph.Node.Add(Node("Conv", [$"body_{i}", $"body_weight_{i}"], [$"body_conv_{i}"], Conv3x3()));
            graph.Node.Add(Node("Relu", [$"body_conv_{i}"], [$"body_{i + 1}"]));
        }
        graph.Initializer.Add(FloatTensor("tail_weight", [3 * scale * scale, features, 3, 3], Weights(3 * scale * scale, features, 0.05f)));
        graph.Node.Add(Node("Conv", [$"body_{layers}", "tail_weight"], ["tail"], Conv3x3()));
        graph.Node.Add(Node("DepthToSpace", ["tail"], ["residual"], IntAttribute("blocksize", scale), StringAttribute("mode", "CRD")));
        graph.Initializer.Add(FloatTensor("scales", [4], [1f, 1f, scale, scale]));
        graph.Node.Add(Node("Resize", ["input", "", "scales"], ["upscaled"], StringAttribute("mode", "nearest"),
            StringAttribute("coordinate_transformation_mode", "asymmetric"), StringAttribute("nearest_mode", "floor")));
        graph.Node.Add(Node("Add", ["upscaled", "residual"], ["output"]));
        graph.Input.Add(ImageTensor("input", 3, "N", "H", "W"));
        graph.Output.Add(ImageTensor("output", 3, "N", "sH", "sW"));
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
        var graph = new GraphProto { Name = "other_model" };
        graph.Initializer.Add(FloatTensor("scales", [4], scales ?? [1f, 1f, scale, scale]));
        string current = inputName;
        if (blockMultiple > 1)
        {
            graph.Node.Add(Node("SpaceToDepth", [current], ["blocks"], IntAttribute("blocksize", blockMultiple)));
            graph.Node.Add(Node("DepthToSpace", ["blocks"], ["unblocked"], IntAttribute("blocksize", blockMultiple)));
            current = "unblocked";
        }
        var resize = Node("Resize", [current, "", "scales"], ["resized"], StringAttribute("mode", "nearest"),
            StringAttribute("coordinate_transformation_mode", "asymmetric"), StringAttribute("nearest_mode", "floor"));
        graph.Node.Add(resize);
        graph.Initializer.Add(FloatTensor("gains", [1, channels, 1, 1], gains ?? Enumerable.Repeat(1f, channels).ToArray()));
        graph.Initializer.Add(FloatTensor("bias", [1], [bias]));
        graph.Node.Add(Node("Mul", ["resized", "gains"], ["gained"]));
        graph.Node.Add(Node("Add", ["gained", "bias"], [outputName]));
        graph.Input.Add(fixedSide is int side ? ImageTensor(inputName, channels, 1, side, side) : ImageTensor(inputName, channels, "N", "H", "W"));
        graph.Output.Add(fixedSide is int outSide ? ImageTensor(outputName, channels, 1, outSide * scale, outSide * scale) : ImageTensor(outputName, channels, "N", "sH", "sW"));
        return Serialize(graph, metadata ?? new Dictionary<string, string>());
    }

    /// <summary>A model with two image inputs added together, then upscaled: not single-image.</summary>
    public static byte[] TwoInputs()
    {
        var graph = new GraphProto { Name = "two_inputs" };
        graph.Initializer.Add(FloatTensor("scales", [4], [1f, 1f, 2f, 2f]));
        graph.Node.Add(Node("Add", ["a", "b"], ["sum"]));
        graph.Node.Add(Node("Resize", ["sum", "", "scales"], ["out"], StringAttribute("mode", "nearest")));
        graph.Input.Add(ImageTensor("a", 3, "N", "H", "W"));
        graph.Input.Add(ImageTensor("b", 3, "N", "H", "W"));
        graph.Output.Add(ImageTensor("out", 3, "N", "sH", "sW"));
        return Serialize(graph, new Dictionary<string, string>());
    }

    /// <summary>A model taking an int64 tensor: not an image model.</summary>
    public static byte[] IntegerInput()
    {
        var graph = new GraphProto { Name = "integer_input" };
        graph.Node.Add(Node("Cast", ["tokens"], ["out"], IntAttribute("to", FloatType)));
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "L" });
        graph.Input.Add(new ValueInfoProto { Name = "tokens", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64, Shape = shape } } });
        graph.Output.Add(new ValueInfoProto { Name = "out", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape.Clone() } } });
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

    private static byte[] Serialize(GraphProto graph, IDictionary<string, string> metadata)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "MLNet.SuperRes.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        using var stream = new MemoryStream();
        model.WriteTo(stream);
        return stream.ToArray();
    }

    private static NodeProto Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{outputs[0]}" };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        return node;
    }

    private static AttributeProto StringAttribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        return tensor;
    }

    /// <summary>A float32 [n, channels, h, w] value; each of n, h, w is a symbolic name or a fixed size.</summary>
    private static ValueInfoProto ImageTensor(string name, int channels, object n, object h, object w)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in new[] { n, channels, h, w })
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } },
        };
    }
}
