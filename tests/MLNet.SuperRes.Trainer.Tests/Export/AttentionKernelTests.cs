using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Engine.Attention;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using Onnx;

namespace MLNet.SuperRes.Trainer.Tests.Export;

/// <summary>
/// The runtime's attention kernel against the attention function's standard-op body, both run by ONNX Runtime on
/// the same inputs: random ones of awkward sizes, ties, and the queries, keys and values of trained networks.
/// </summary>
public sealed class AttentionKernelTests
{
    /// <summary>A model of the attention function alone: queries, keys, values in, attended values out.</summary>
    internal static byte[] FunctionModel()
    {
        var graph = new OnnxGraphBuilder("attention");
        foreach (var name in new[] { "q", "k", "v" }) graph.Input(name, TensorProto.Types.DataType.Float, "N", null, "H", "W");
        var attended = graph.Call(MLNet.SuperRes.Trainer.Archs.Hspa.AttentionFunction(), "attended", ["q", "k", "v"]);
        graph.RenameOutput(attended, "out");
        graph.Output("out", TensorProto.Types.DataType.Float, "N", null, "H", "W");
        return HspanOnnxExporter.CreateModel(graph).ToByteArray();
    }

    internal static float[] Run(byte[] model, bool kernel, (float[] Data, long[] Shape) q, (float[] Data, long[] Shape) k, (float[] Data, long[] Shape) v, int threads = 1)
    {
        using var session = new FunctionSession(model, kernel, threads);
        return session.Run(q, k, v);
    }

    /// <summary>An ONNX Runtime CPU session over <see cref="FunctionModel"/>, with or without the kernel.</summary>
    internal sealed class FunctionSession : IDisposable
    {
        private readonly InferenceSession session;

        public FunctionSession(byte[] model, bool kernel, int threads)
        {
            using var options = OnnxRuntimeRunner.CreateOptions(threads);
            if (kernel) Assert.Null(AttentionKernel.TryRegister(options));
            session = new InferenceSession(model, options);
        }

        public float[] Run((float[] Data, long[] Shape) q, (float[] Data, long[] Shape) k, (float[] Data, long[] Shape) v)
        {
            using var qv = OrtValue.CreateTensorValueFromMemory(q.Data, q.Shape);
            using var kv = OrtValue.CreateTensorValueFromMemory(k.Data, k.Shape);
            using var vv = OrtValue.CreateTensorValueFromMemory(v.Data, v.Shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, ["q", "k", "v"], [qv, kv, vv], ["out"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        public void Dispose() => session.Dispose();
    }

    private static (float[] Data, long[] Shape) Random(Random random, float spread, params long[] shape)
    {
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1) * spread;
        return (data, shape);
    }

    public static TheoryData<int, int, int, int, int, float> Shapes => new()
    {
        // batch, key channels, value channels, height, width, score spread
        { 1, 32, 64, 40, 40, 1.5f },   // the default models' tile
        { 2, 8, 16, 7, 9, 3f },        // 63 positions: no whole vector at the end; two images
        { 1, 1, 3, 5, 1, 0.5f },       // one key channel, three values, a column image
        { 1, 16, 70, 13, 11, 0.05f },  // nearly flat rows: supports far wider than any top-k; 70 channels, not a lane multiple
        { 1, 4, 8, 1, 1, 1f },         // a single position
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelGivesWhatTheBodyGives(int batch, int keyChannels, int valueChannels, int height, int width, float spread)
    {
        var random = new Random(batch * 1000 + keyChannels * 37 + height);
        var q = Random(random, spread, batch, keyChannels, height, width);
        var k = Random(random, spread, batch, keyChannels, height, width);
        var v = Random(random, 1f, batch, valueChannels, height, width);
        var model = FunctionModel();
        long runs = AttentionKernel.RunsOnThisThread;
        var body = Run(model, kernel: false, q, k, v);
        Assert.Equal(runs, AttentionKernel.RunsOnThisThread);
        var kernel = Run(model, kernel: true, q, k, v);
        Assert.True(AttentionKernel.RunsOnThisThread > runs, "the kernel did not run");
        Assert.Equal(body.Length, kernel.Length);
        Assert.True(MaxAbs(body, kernel) <= 1e-5, $"max abs difference {MaxAbs(body, kernel)}");
    }

    public static TheoryData<string, int> TrainedNetworks => new()
    {
        { "x2_small.weights.safetensors", 2 },
        { "x4_small.weights.safetensors", 4 },
        { "hspan-x2.onnx", 2 }, // the embedded default model
    };

    [Theory]
    [MemberData(nameof(TrainedNetworks))]
    public void TrainedTilesGetTheBodysSupportsAndValues(string checkpoint, int scale)
    {
        // The queries, keys and values each HSPA block of a trained network computes on a 40 x 40 tile of a photo.
        var blocks = AttentionInputs(checkpoint, scale);
        Assert.NotEmpty(blocks);
        var body = FunctionInliner.Inline(ModelProto.Parser.ParseFrom(FunctionModel()));
        body.Graph.Output.Add(OnnxGraphBuilder.ValueInfo("out/soft_thresholding", TensorProto.Types.DataType.Float, "N", "L", "L"));
        using var bodySession = new InferenceSession(body.ToByteArray());
        int wider = 0;
        foreach (var (q, k, v) in blocks)
        {
            int positions = (int)(q.Shape[2] * q.Shape[3]), keyChannels = (int)q.Shape[1], valueChannels = (int)v.Shape[1];
            using var qv = OrtValue.CreateTensorValueFromMemory(q.Data, q.Shape);
            using var kv = OrtValue.CreateTensorValueFromMemory(k.Data, k.Shape);
            using var vv = OrtValue.CreateTensorValueFromMemory(v.Data, v.Shape);
            using var runOptions = new RunOptions(); // held: one left to the finalizer can be freed while Run reads it
            using var outputs = bodySession.Run(runOptions, ["q", "k", "v"], [qv, kv, vv], ["out", "out/soft_thresholding"]);
            var bodyAttended = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var weights = outputs[1].GetTensorDataAsSpan<float>();
            var bodySupport = new int[positions];
            for (int i = 0; i < positions; i++)
                foreach (var w in weights.Slice(i * positions, positions)) if (w > 0) bodySupport[i]++;

            var (kernelAttended, kernelSupport) = Kernel(q.Data, k.Data, v.Data, positions, keyChannels, valueChannels);
            Assert.Equal(bodySupport, kernelSupport);
            Assert.True(MaxAbs(bodyAttended, kernelAttended) <= 1e-5, $"max abs difference {MaxAbs(bodyAttended, kernelAttended)}");
            wider += kernelSupport.Count(s => s > 128);
        }
        if (checkpoint.StartsWith("hspan", StringComparison.Ordinal))
            Assert.True(wider > 0, "the default model's tile must have rows whose support exceeds top-k 128");
    }

    /// <summary>Each HSPA block's queries, keys and values on a 40 x 40 crop of Set5's butterfly, read from the exported graph.</summary>
    private static List<((float[] Data, long[] Shape) Q, (float[] Data, long[] Shape) K, (float[] Data, long[] Shape) V)> AttentionInputs(string checkpoint, int scale)
    {
        string path = checkpoint.StartsWith("hspan", StringComparison.Ordinal)
            ? Path.Combine(SharedData.RepoRoot, "src", "MLNet.SuperRes", "Models", checkpoint)
            : Reference.PathOf(checkpoint);
        ModelProto model;
        using (var network = MLNet.SuperRes.Trainer.Checkpoints.HspanCheckpoint.Load(path))
        {
            network.eval();
            model = HspanOnnxExporter.Build(network, new OnnxExportInfo(checkpoint));
        }
        var calls = model.Graph.Node.Where(n => n.OpType == OnnxContract.AttentionOp).ToList();
        foreach (var name in calls.SelectMany(c => c.Input)) model.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(name, TensorProto.Types.DataType.Float, "N", "C", "H", "W"));
        var image = MLNet.SuperRes.Evaluation.Images.RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "butterfly.png")).Crop(100, 60, 40, 40);
        var input = image.ToPlanarFloat();
        using var session = new InferenceSession(model.ToByteArray());
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 40, 40]);
        using var runOptions = new RunOptions(); // held: one left to the finalizer can be freed while Run reads it
        using var outputs = session.Run(runOptions, [OnnxContract.InputName], [value], calls.SelectMany(c => c.Input).ToArray());
        (float[], long[]) Output(int i) => (outputs[i].GetTensorDataAsSpan<float>().ToArray(), outputs[i].GetTensorTypeAndShape().Shape);
        return calls.Select((_, b) => (Output(3 * b), Output(3 * b + 1), Output(3 * b + 2))).ToList();
    }

    /// <summary>The kernel called directly, as its tasks call it, on one image: attended values [C, L] and each row's support size.</summary>
    private static unsafe (float[] Attended, int[] Support) Kernel(float[] q, float[] k, float[] v, int positions, int keyChannels, int valueChannels)
    {
        var byPosition = new float[v.Length];
        for (int c = 0; c < valueChannels; c++)
            for (int p = 0; p < positions; p++) byPosition[p * valueChannels + c] = v[c * positions + p];
        var attended = new float[v.Length];
        var support = new int[positions];
        var scratch = new float[SoftThresholdedAttention.ScratchFloats(positions, valueChannels)];
        fixed (float* queries = q, keys = k, values = byPosition, output = attended, work = scratch)
        fixed (int* sizes = support)
            for (int row = 0; row < positions; row += SoftThresholdedAttention.RowsPerTask)
                SoftThresholdedAttention.AttendRows(queries, keys, values, output, positions, keyChannels, valueChannels,
                    row, Math.Min(SoftThresholdedAttention.RowsPerTask, positions - row), work, sizes);
        return (attended, support);
    }

    [Fact]
    public void RowsOfEqualScoresAttendToEveryPositionEqually()
    {
        // Zero queries: every score of a row is 0, the support is the whole row and each weight 1/L.
        var q = (new float[1 * 4 * 6 * 5], new long[] { 1, 4, 6, 5 });
        var random = new Random(3);
        var k = Random(random, 1f, 1, 4, 6, 5);
        var v = Random(random, 1f, 1, 2, 6, 5);
        var kernel = Run(FunctionModel(), kernel: true, q, k, v);
        for (int channel = 0; channel < 2; channel++)
        {
            double mean = v.Data.Skip(channel * 30).Take(30).Average(x => (double)x);
            for (int i = 0; i < 30; i++) Assert.Equal(mean, kernel[channel * 30 + i], 5);
        }
    }

    [Fact]
    public void ConcurrentRunsOnOneSessionAreByteIdenticalToSerialOnes()
    {
        var random = new Random(8);
        var inputs = Enumerable.Range(0, 6).Select(_ => (Random(random, 1.5f, 1, 16, 20, 20), Random(random, 1.5f, 1, 16, 20, 20), Random(random, 1f, 1, 32, 20, 20))).ToList();
        using var session = new FunctionSession(FunctionModel(), kernel: true, threads: 2);
        var serial = inputs.Select(i => session.Run(i.Item1, i.Item2, i.Item3)).ToList();
        for (int round = 0; round < 3; round++)
        {
            var concurrent = inputs.AsParallel().AsOrdered().WithDegreeOfParallelism(4).Select(i => session.Run(i.Item1, i.Item2, i.Item3)).ToList();
            for (int i = 0; i < inputs.Count; i++) Assert.Equal(serial[i], concurrent[i]);
        }
    }

    [Fact]
    public void InputsThatDoNotFitAreRefusedByName()
    {
        var random = new Random(1);
        var e = Assert.ThrowsAny<OnnxRuntimeException>(() => Run(FunctionModel(), kernel: true,
            Random(random, 1f, 1, 4, 6, 5), Random(random, 1f, 1, 4, 5, 6), Random(random, 1f, 1, 2, 6, 5)));
        Assert.Contains(OnnxContract.AttentionOp, e.Message);
        Assert.Contains("must share batch, height and width", e.Message);
    }

    /// <summary>The small official x2 network as exported now, and as a file from before the attention function (inlined, no kernel metadata).</summary>
    private static (byte[] Now, byte[] Before) SmallExports()
    {
        using var network = MLNet.SuperRes.Trainer.Checkpoints.HspanCheckpoint.Load(Reference.PathOf("x2_small.weights.safetensors"));
        network.eval();
        var now = HspanOnnxExporter.Build(network, new OnnxExportInfo("x2_small"));
        var before = FunctionInliner.Inline(now);
        before.OpsetImport.Remove(before.OpsetImport.Single(o => o.Domain == OnnxContract.AttentionDomain));
        before.MetadataProps.Remove(before.MetadataProps.Single(p => p.Key == OnnxContract.AttentionKernel));
        return (now.ToByteArray(), before.ToByteArray());
    }

    [Fact]
    public void AFileFromBeforeTheFunctionRunsAsItDid()
    {
        var (now, before) = SmallExports();
        using var image = TestImages.Texture(50, 44, seed: 9);
        using var old = new SuperResolver(new SuperResolutionOptions { ModelBytes = before, Scale = 2 });
        using var body = new SuperResolver(new SuperResolutionOptions { ModelBytes = now, Scale = 2, AttentionKernel = false });
        using var kernel = new SuperResolver(new SuperResolutionOptions { ModelBytes = now, Scale = 2, TileSize = old.TileSize });
        Assert.Null(old.AttentionKernelFailure);
        long runs = AttentionKernel.RunsOnThisThread;
        using var fromOld = old.Upscale(image);
        Assert.Equal(runs, AttentionKernel.RunsOnThisThread);
        using var fromBody = body.Upscale(image);
        Assert.Equal(fromBody.Pixels.ToArray(), fromOld.Pixels.ToArray()); // the same graph, the same tiles
        using var fromKernel = kernel.Upscale(image);
        Assert.True(AttentionKernel.RunsOnThisThread > runs);
        Assert.True(TestImages.MaxAbsDifference(fromOld.Pixels.ToArray(), fromKernel.Pixels.ToArray()) <= 1);
    }

    [Fact]
    public void AModelExpectingAnotherKernelVersionRunsTheBodyAndSaysWhy()
    {
        var model = ModelProto.Parser.ParseFrom(SmallExports().Now);
        model.OpsetImport.Single(o => o.Domain == OnnxContract.AttentionDomain).Version = AttentionKernel.Version + 1;
        model.MetadataProps.Single(p => p.Key == OnnxContract.AttentionKernel).Value = (AttentionKernel.Version + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = model.ToByteArray(), Scale = 2 });
        Assert.Contains($"expects attention kernel version {AttentionKernel.Version + 1}", resolver.AttentionKernelFailure);
        using var image = TestImages.Texture(20, 16, seed: 2);
        long runs = AttentionKernel.RunsOnThisThread;
        Assert.Equal(40, resolver.Upscale(image).Width);
        Assert.Equal(runs, AttentionKernel.RunsOnThisThread);
    }

    [Fact]
    public void ACpuSessionRegistersTheKernel()
    {
        using var options = new SessionOptions();
        Assert.Null(AttentionKernel.TryRegister(options));
    }

    internal static double MaxAbs(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - (double)b[i]));
        return max;
    }
}
