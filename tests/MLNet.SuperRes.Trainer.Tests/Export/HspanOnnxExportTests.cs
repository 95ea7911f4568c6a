using Google.Protobuf;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Torch;
using Onnx;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Export;

public class HspanOnnxExportTests
{
    [Theory]
    [MemberData(nameof(Reference.ModelNames), MemberType = typeof(Reference))]
    public void ExportFromSafetensorsMatchesOfficialOutput(string name) =>
        AssertOnnxMatchesOfficial(name, $"{name}.weights.safetensors");

    [Theory]
    [MemberData(nameof(Reference.ModelNames), MemberType = typeof(Reference))]
    public void ExportFromPtMatchesOfficialOutputWherePresent(string name)
    {
        var pt = $"{name}.pt";
        if (!File.Exists(Reference.PathOf(pt)))
        {
            Assert.Equal("x2_res1", name); // the only case shipped without a .pt
            return;
        }
        AssertOnnxMatchesOfficial(name, pt);
    }

    [Theory]
    [InlineData("x2_small", 1, 13, 11)]
    [InlineData("x3_small", 2, 9, 17)]
    [InlineData("x4_small", 2, 7, 5)]
    public void OneModelServesOddSizesAndBatches(string name, int batch, int height, int width)
    {
        using var scope = NewDisposeScope();
        var expected = Reference.Config(name);
        using var model = HspanCheckpoint.Load(Reference.PathOf($"{name}.weights.safetensors"), expected.TopK, expected.ResScale);
        var onnx = HspanOnnxExporter.Build(model, new OnnxExportInfo(name)).ToByteArray();

        var comparison = OnnxVerifier.Compare(model, onnx, OnnxVerifier.RandomInput(batch, height, width, seed: height * 100 + width));
        Assert.Equal(new long[] { batch, 3, height * expected.Scale, width * expected.Scale }, comparison.OutputShape);
        Assert.True(comparison.MaxAbsDifference <= 1e-5, $"max abs difference {comparison.MaxAbsDifference}");
    }

    [Fact]
    public void ModelWithTopKBeyondTheImageSortsWholeRows()
    {
        using var scope = NewDisposeScope();
        // 6 x 5 pixels: 30 scores per row, fewer than k = 64, so k' = H*W and no retry is possible.
        using var model = HspanCheckpoint.Load(Reference.PathOf("x2_small.weights.safetensors"), topk: 64, resScale: 0.1);
        var onnx = HspanOnnxExporter.Build(model, new OnnxExportInfo("x2_small")).ToByteArray();
        var comparison = OnnxVerifier.Compare(model, onnx, OnnxVerifier.RandomInput(2, 6, 5));
        Assert.True(comparison.MaxAbsDifference <= 1e-5, $"max abs difference {comparison.MaxAbsDifference}");
    }

    [Fact]
    public void RgbRange255NetworkKeepsTheUnitRangeContract()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var model = new Hspan(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 16, TopK = 8, RgbRange = 255 });
        var onnx = HspanOnnxExporter.Build(model, new OnnxExportInfo("random")).ToByteArray();
        var input = OnnxVerifier.RandomInput(1, 10, 9);

        using var runner = new OnnxRuntimeRunner(onnx);
        var actual = runner.Run(input);
        model.eval();
        using var _ = no_grad();
        var expected = model.Upscale(input);
        Assert.True(expected.allclose(model.call(input.Mul(255)).Div(255)), "Upscale is the [0, 255] network seen through [0, 1] images");
        var max = (actual - expected).abs().max().item<float>();
        Assert.True(max <= 1e-5, $"max abs difference {max}");
        Assert.Equal("255", Metadata(HspanOnnxExporter.Build(model, new OnnxExportInfo("random")))["rgb_range"]);
    }

    [Fact]
    public void MetadataDescribesTheNetworkAndItsOrigin()
    {
        var config = Reference.Config("x3_small");
        using var model = HspanCheckpoint.Load(Reference.PathOf("x3_small.pt"), config.TopK, config.ResScale);
        var metadata = Metadata(HspanOnnxExporter.Build(model, new OnnxExportInfo("x3_small.pt", 12345)));

        Assert.Equal(new Dictionary<string, string>
        {
            ["architecture"] = "HSPAN", ["scale"] = "3", ["topk"] = "16", ["res_scale"] = "0.1", ["n_feats"] = "32",
            ["n_resgroups"] = "2", ["n_resblocks"] = "2", ["reduction"] = "2", ["rgb_range"] = "1",
            ["input_color_order"] = "RGB", ["input_range"] = "0-1", ["source"] = "x3_small.pt", ["attention_kernel"] = "1",
            ["iterations"] = "12345", ["exporter"] = "MLNet.SuperRes.Trainer",
        }, metadata);
        Assert.DoesNotContain("iterations", Metadata(HspanOnnxExporter.Build(model, new OnnxExportInfo("x3_small.pt"))).Keys);
    }

    [Fact]
    public void SignatureHasDynamicBatchAndSizeAndAnOpsetBetween17And26()
    {
        using var model = HspanCheckpoint.Load(Reference.PathOf("x4_small.weights.safetensors"), 16, 0.1);
        var proto = HspanOnnxExporter.Build(model, new OnnxExportInfo("x4_small"));

        var opset = Assert.Single(proto.OpsetImport, o => o.Domain.Length == 0).Version;
        Assert.InRange(opset, 17, 26);
        var attention = Assert.Single(proto.OpsetImport, o => o.Domain.Length > 0);
        Assert.Equal((OnnxContract.AttentionDomain, 1L), (attention.Domain, attention.Version));
        var function = Assert.Single(proto.Functions);
        Assert.Equal((OnnxContract.AttentionDomain, OnnxContract.AttentionOp), (function.Domain, function.Name));
        Assert.Equal(opset, Assert.Single(function.OpsetImport).Version);
        Assert.Equal(2, proto.Graph.Node.Count(n => n.OpType == OnnxContract.AttentionOp)); // one per residual group

        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);
        Assert.Equal(new[] { "N", "3", "H", "W" }, input.Type.TensorType.Shape.Dim.Select(DimText));

        var output = Assert.Single(proto.Graph.Output);
        Assert.Equal("output", output.Name);
        Assert.Equal(new[] { "N", "3", "H*4", "W*4" }, output.Type.TensorType.Shape.Dim.Select(DimText));
    }

    [Fact]
    public void WeightsKeepTheirStateDictNames()
    {
        using var model = HspanCheckpoint.Load(Reference.PathOf("x2_small.weights.safetensors"), 16, 0.1);
        var initializers = HspanOnnxExporter.Build(model, new OnnxExportInfo("x2_small")).Graph.Initializer
            .Select(t => t.Name).Where(n => !n.StartsWith(OnnxNames.ConstantPrefix)).OrderBy(n => n, StringComparer.Ordinal);
        // Not initializers: the unused scalar 'a', and the single-slope PReLUs, which become LeakyRelu's alpha.
        var prelu = new System.Text.RegularExpressions.Regex(@"\.conv_(match1|match2|assembly)\.1\.weight$");
        var expected = model.state_dict().Keys.Where(k => k != "a" && !prelu.IsMatch(k)).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(expected, initializers);
    }

    [Fact]
    public void VerifierSeesAModelThatDiffersFromItsExport()
    {
        using var scope = NewDisposeScope();
        using var model = HspanCheckpoint.Load(Reference.PathOf("x2_small.weights.safetensors"), 16, 0.1);
        var onnx = HspanOnnxExporter.Build(model, new OnnxExportInfo("x2_small")).ToByteArray();
        using (no_grad()) model.state_dict()["body.1.body.3.bias"].Add_(1e-2f);

        var comparison = OnnxVerifier.Compare(model, onnx, OnnxVerifier.RandomInput(1, 8, 9));
        Assert.True(comparison.MaxAbsDifference > OnnxVerifier.Tolerance, $"max abs difference {comparison.MaxAbsDifference}");
    }

    [Fact]
    public void NetworkThatIsNotRgbIsRefused()
    {
        using var scope = NewDisposeScope();
        using var model = new Hspan(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 4, NColors = 1 });
        var e = Assert.Throws<NotSupportedException>(() => HspanOnnxExporter.Build(model, new OnnxExportInfo("grey")));
        Assert.Contains("n_colors = 1", e.Message);
    }

    private static string DimText(TensorShapeProto.Types.Dimension d) =>
        d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue.ToString() : d.DimParam;

    private static Dictionary<string, string> Metadata(ModelProto proto) =>
        proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);

    private static void AssertOnnxMatchesOfficial(string name, string weightsFile)
    {

        using var scope = NewDisposeScope();
        var expected = Reference.Config(name);
        using var model = HspanCheckpoint.Load(Reference.PathOf(weightsFile), expected.TopK, expected.ResScale);
        var onnx = HspanOnnxExporter.Build(model, new OnnxExportInfo(weightsFile)).ToByteArray();

        using var io = Reference.Tensors($"{name}.io.safetensors");
        using var runner = new OnnxRuntimeRunner(onnx);
        var (max, mean) = Reference.Difference(runner.Run(io["input"]), io["output"]);
        Assert.True(max <= 1e-4 && mean <= 1e-5, $"{weightsFile} via ONNX Runtime: max abs difference {max}, mean abs difference {mean}");
    }
}
