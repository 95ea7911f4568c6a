using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Tests;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Export.Quantization;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Export.Quantization;

/// <summary>
/// Int8 export of a small random HSPAN (1 group x 1 block, 16 features, fixed seed), calibrated on a few
/// training images: the QDQ graph around the convolutions, the attention left float, ONNX Runtime's fusion
/// into QLinearConv, and closeness to the float model on crops of other training images.
/// </summary>
public sealed class Int8ExportTests(ITestOutputHelper log)
{
    private static readonly Lazy<(ModelProto Float, ModelProto Int8, IReadOnlyDictionary<string, ActivationRange> Ranges)> small = new(Build);

    /// <summary>Training images: calibration on the first of T91's, the check on others.</summary>
    private static IReadOnlyList<string> T91 => ImageFolder.Images(Path.Combine(SharedData.Data, "train", "T91"));

    private static (ModelProto, ModelProto, IReadOnlyDictionary<string, ActivationRange>) Build()
    {
        manual_seed(16);
        using var model = new Hspan(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 16, TopK = 8, Scale = 2 });
        model.eval();
        var floatModel = HspanOnnxExporter.Build(model, new OnnxExportInfo("small"));
        var calibration = T91.Take(4).ToList();
        var ranges = Calibrator.Ranges(floatModel, QdqRewriter.CalibratedValues(floatModel.Graph),
            calibration.SelectMany((f, i) => CalibrationCrops.Of(f, 2, i)), CalibrationStatistic.MinMax);
        var int8 = Int8Quantizer.Quantize(floatModel, ranges, new CalibrationSummary(calibration.Count, 16, CalibrationStatistic.MinMax));
        return (floatModel, int8, ranges);
    }

    private static IEnumerable<(float[] Data, long[] Shape)> CheckCrops() =>
        T91.Skip(40).Take(4).SelectMany((f, i) => CalibrationCrops.Of(f, 2, 100 + i));

    /// <summary>
    /// Measured: 57.0 dB between the int8 and float outputs of this network on crops it was not calibrated
    /// on (max difference 3/255); the same rewrite with ranges 50 times too wide gives 23.7 dB. 45 dB is an
    /// RMS difference of 1.4/255: a wrong scale, zero point or bias scale falls far below it.
    /// </summary>
    private const double MinAgreementPsnr = 45;

    [Fact]
    public void Int8OutputStaysCloseToTheFloatOutput()
    {
        var (floatModel, int8, _) = small.Value;
        var agreement = QuantizationAgreement.Measure(floatModel.ToByteArray(), int8.ToByteArray(), CheckCrops());
        log.WriteLine($"int8 vs float: PSNR {agreement.Psnr:F2} dB, max abs {agreement.MaxAbsDifference:E2}");
        Assert.True(agreement.Psnr >= MinAgreementPsnr, $"int8 vs float PSNR {agreement.Psnr:F2} dB < {MinAgreementPsnr} dB");
    }

    [Fact]
    public void TheAgreementBoundCatchesBadScales()
    {
        // The same rewrite with every activation range 50 times too wide: the bound above must fail it.
        var (floatModel, _, ranges) = small.Value;
        var coarse = ranges.ToDictionary(p => p.Key, p => new ActivationRange(p.Value.Min * 50, p.Value.Max * 50));
        var bad = Int8Quantizer.Quantize(floatModel, coarse, new CalibrationSummary(1, 1, CalibrationStatistic.MinMax));
        var agreement = QuantizationAgreement.Measure(floatModel.ToByteArray(), bad.ToByteArray(), CheckCrops());
        log.WriteLine($"coarse int8 vs float: PSNR {agreement.Psnr:F2} dB");
        Assert.True(agreement.Psnr < MinAgreementPsnr, $"ranges 50x too wide still give {agreement.Psnr:F2} dB");
    }

    [Fact]
    public void ConvolutionsSitBetweenQuantizeAndDequantizeAndTheAttentionStaysFloat()
    {
        var (floatModel, int8, _) = small.Value;
        var graph = int8.Graph;
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        string? ProducerOf(string value) => producers.TryGetValue(value, out var node) ? node.OpType : null;

        var quantized = graph.Node.Where(n => n.OpType == "Conv" && ProducerOf(n.Input[1]) == "DequantizeLinear").ToList();
        // head 3->16 and tail 16->3 stay float; body conv x2 (LEB), the group's last conv, the body's last conv, the upsampler conv.
        Assert.Equal(QdqRewriter.QuantizedConvs(floatModel.Graph).Count, quantized.Count);
        Assert.Equal(5, quantized.Count);
        foreach (var conv in quantized)
        {
            Assert.Equal("DequantizeLinear", ProducerOf(conv.Input[0]));
            Assert.Equal("DequantizeLinear", ProducerOf(conv.Input[2]));
            Assert.Equal("QuantizeLinear", Assert.Single(consumers[conv.Output[0]]).OpType);
            var weightDq = producers[conv.Input[1]];
            Assert.Equal(0L, weightDq.Attribute.Single(a => a.Name == "axis").I);
            var weight = graph.Initializer.Single(i => i.Name == weightDq.Input[0]);
            Assert.Equal((int)TensorProto.Types.DataType.Int8, weight.DataType);
            Assert.Equal((int)TensorProto.Types.DataType.Int32, graph.Initializer.Single(i => i.Name == producers[conv.Input[2]].Input[0]).DataType);
        }
        // The attention: its 1x1 embeddings, matmuls and soft thresholding read float values only.
        var embeddings = graph.Node.Where(n => n.OpType == "Conv" && n.Name.Contains("conv_match", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, n => Assert.Null(ProducerOf(n.Input[1])));
        var attention = Assert.Single(graph.Node, n => n.OpType == OnnxContract.AttentionOp && n.Domain == OnnxContract.AttentionDomain);
        Assert.All(attention.Input, i => Assert.NotEqual("DequantizeLinear", ProducerOf(i)));
        Assert.Equal(Assert.Single(floatModel.Functions).ToByteArray(), Assert.Single(int8.Functions).ToByteArray());
        // The ReLU between an LEB's two convolutions is folded into the first one's Q (zero point 0).
        Assert.Equal(floatModel.Graph.Node.Count(n => n.OpType == "Relu") - 1, graph.Node.Count(n => n.OpType == "Relu"));
        Assert.Equal(OnnxContract.PrecisionInt8, int8.MetadataProps.Single(p => p.Key == OnnxContract.Precision).Value);
    }

    [Fact]
    public void OnnxRuntimeFusesTheConvolutionsIntoQLinearConv()
    {
        var (_, int8, _) = small.Value;
        string optimized = Path.Combine(Path.GetTempPath(), $"int8-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimized })
            using (new InferenceSession(int8.ToByteArray(), options)) { }
            var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph;
            var ops = graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
            log.WriteLine(string.Join(", ", ops.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")));
            Assert.Equal(5, ops.GetValueOrDefault("QLinearConv"));
            // What is left as Conv: head, tail, the two attention embeddings and the assembly, the mean shifts.
            Assert.Equal(7, ops.GetValueOrDefault("Conv") + ops.GetValueOrDefault("FusedConv"));
        }
        finally { File.Delete(optimized); }
    }

    [Fact]
    public void InputAndOutputAndMetadataStayThoseOfTheFloatModel()
    {
        var (floatModel, int8, _) = small.Value;
        Assert.Equal(floatModel.Graph.Input.ToString(), int8.Graph.Input.ToString());
        Assert.Equal(floatModel.Graph.Output.ToString(), int8.Graph.Output.ToString());
        foreach (var entry in floatModel.MetadataProps)
            Assert.Equal(entry.Value, int8.MetadataProps.Single(p => p.Key == entry.Key).Value);
        Assert.True(int8.CalculateSize() < floatModel.CalculateSize());
    }
}
